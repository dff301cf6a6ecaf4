"""Warehouse endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse
from pydantic import Field

from canonical.errors import NotFound
from canonical.pagination import MAX_PER_PAGE, Page
from canonical.web.identity import CurrentIdentity
from inventory.adapters.queries.catalog import active_warehouses, list_warehouses, warehouse_detail
from inventory.domain.catalog.warehouse import MAX_ADDRESS_LENGTH, MAX_CODE_LENGTH, MAX_NAME_LENGTH, CreateWarehouse
from inventory.entrypoints.bodies import Body, PatchBody
from inventory.entrypoints.dependencies import Context, Pool, Uow
from inventory.entrypoints.routers import admin_router, floor_router
from inventory.service_layer.catalog.warehouses import (
    WAREHOUSE_NOT_FOUND,
    handle_create_warehouse,
    handle_delete_warehouse,
    handle_update_warehouse,
)

router = admin_router()
floor = floor_router()


class CreateWarehouseIn(Body):
    warehouse_code: str = Field(min_length=1, max_length=MAX_CODE_LENGTH)
    warehouse_name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)
    address: str | None = Field(default=None, max_length=MAX_ADDRESS_LENGTH)


class UpdateWarehouseIn(PatchBody):
    NOT_NULL = frozenset({"warehouse_code", "warehouse_name", "is_active"})

    warehouse_code: str | None = Field(default=None, min_length=1, max_length=MAX_CODE_LENGTH)
    warehouse_name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME_LENGTH)
    address: str | None = Field(default=None, max_length=MAX_ADDRESS_LENGTH)
    is_active: bool | None = None


@router.post("/api/admin/warehouses", status_code=201)
async def create_warehouse(body: CreateWarehouseIn, uow: Uow, context: Context) -> JSONResponse:
    command = CreateWarehouse(body.warehouse_code, body.warehouse_name, body.address)
    return JSONResponse(await handle_create_warehouse(command, uow, context), status_code=201)


@router.get("/api/admin/warehouses")
async def get_warehouses(
    pool: Pool,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    paging = Page(page, per_page)
    rows, total = await list_warehouses(pool, paging)
    return paging.envelope("warehouses", rows, total)


@router.get("/api/admin/warehouses/{warehouse_id}")
async def get_warehouse(warehouse_id: int, pool: Pool) -> dict[str, Any]:
    detail = await warehouse_detail(pool, warehouse_id)
    if detail is None:
        raise NotFound(f"{WAREHOUSE_NOT_FOUND}.", legacy_error=WAREHOUSE_NOT_FOUND)
    return detail


@router.put("/api/admin/warehouses/{warehouse_id}")
async def update_warehouse(warehouse_id: int, body: UpdateWarehouseIn, uow: Uow, context: Context) -> dict[str, Any]:
    return await handle_update_warehouse(warehouse_id, body.changes(), uow, context)


@router.delete("/api/admin/warehouses/{warehouse_id}")
async def delete_warehouse(warehouse_id: int, uow: Uow, context: Context) -> dict[str, str]:
    await handle_delete_warehouse(warehouse_id, uow, context)
    return {"message": "Warehouse deleted"}


@floor.get("/api/warehouses/list")
async def warehouse_picker(pool: Pool, _: CurrentIdentity) -> dict[str, Any]:
    """Active warehouses for the scanner's warehouse picker (any signed-in user)."""
    return {"warehouses": await active_warehouses(pool)}
