"""Catalog HTTP endpoints (v1.7 paths and fields)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from canonical.events.factory import CommandContext
from canonical.pagination import MAX_PER_PAGE, Page
from canonical.web.identity import AdminIdentity, CurrentIdentity
from inventory.adapters.queries.catalog import active_warehouses, list_warehouses
from inventory.domain.catalog.warehouse import (
    MAX_ADDRESS_LENGTH,
    MAX_CODE_LENGTH,
    MAX_NAME_LENGTH,
    CreateWarehouse,
)
from inventory.entrypoints.dependencies import command_context, unit_of_work
from inventory.service_layer.catalog.warehouses import handle_create_warehouse
from inventory.service_layer.unit_of_work import UnitOfWork

router = APIRouter(tags=["catalog"])


class CreateWarehouseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    warehouse_code: str = Field(min_length=1, max_length=MAX_CODE_LENGTH)
    warehouse_name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)
    address: str | None = Field(default=None, max_length=MAX_ADDRESS_LENGTH)


@router.post("/api/admin/warehouses", status_code=201)
async def create_warehouse(
    body: CreateWarehouseIn,
    _: AdminIdentity,
    uow: Annotated[UnitOfWork, Depends(unit_of_work)],
    context: Annotated[CommandContext, Depends(command_context)],
) -> JSONResponse:
    command = CreateWarehouse(body.warehouse_code, body.warehouse_name, body.address)
    return JSONResponse(await handle_create_warehouse(command, uow, context), status_code=201)


@router.get("/api/admin/warehouses")
async def get_warehouses(
    request: Request,
    _: AdminIdentity,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    paging = Page(page, per_page)
    rows, total = await list_warehouses(request.app.state.runtime.pool, paging)
    return paging.envelope("warehouses", rows, total)


@router.get("/api/warehouses/list")
async def warehouse_picker(request: Request, _: CurrentIdentity) -> dict[str, Any]:
    """Active warehouses for the scanner's warehouse picker (any signed-in user)."""
    return {"warehouses": await active_warehouses(request.app.state.runtime.pool)}
