"""Zone endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import JSONResponse
from pydantic import Field

from canonical.pagination import MAX_PER_PAGE, Page
from inventory.adapters.queries.catalog import list_zones
from inventory.domain.catalog.zone import MAX_ZONE_CODE_LENGTH, MAX_ZONE_NAME_LENGTH
from inventory.entrypoints.bodies import Body, PatchBody
from inventory.entrypoints.dependencies import Context, Pool, Uow
from inventory.entrypoints.routers import admin_router
from inventory.entrypoints.scoping import RequestedWarehouse
from inventory.service_layer.catalog.zones import handle_create_zone, handle_delete_zone, handle_update_zone

router = admin_router()

ZoneType = Literal["RECEIVING", "STORAGE", "PICKING", "STAGING", "SHIPPING"]


class CreateZoneIn(Body):
    warehouse_id: int
    zone_code: str = Field(min_length=1, max_length=MAX_ZONE_CODE_LENGTH)
    zone_name: str = Field(min_length=1, max_length=MAX_ZONE_NAME_LENGTH)
    zone_type: ZoneType


class UpdateZoneIn(PatchBody):
    NOT_NULL = frozenset({"zone_code", "zone_name", "zone_type", "is_active"})

    zone_code: str | None = Field(default=None, min_length=1, max_length=MAX_ZONE_CODE_LENGTH)
    zone_name: str | None = Field(default=None, min_length=1, max_length=MAX_ZONE_NAME_LENGTH)
    zone_type: ZoneType | None = None
    is_active: bool | None = None


@router.get("/api/admin/zones")
async def get_zones(
    pool: Pool,
    warehouse_id: RequestedWarehouse,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    paging = Page(page, per_page)
    rows, total = await list_zones(pool, paging, warehouse_id)
    return paging.envelope("zones", rows, total)


@router.post("/api/admin/zones", status_code=201)
async def create_zone(body: CreateZoneIn, uow: Uow, context: Context) -> JSONResponse:
    zone = await handle_create_zone(body.warehouse_id, body.zone_code, body.zone_name, body.zone_type, uow, context)
    return JSONResponse(zone, status_code=201)


@router.put("/api/admin/zones/{zone_id}")
async def update_zone(zone_id: int, body: UpdateZoneIn, uow: Uow, context: Context) -> dict[str, Any]:
    return await handle_update_zone(zone_id, body.changes(), uow, context)


@router.delete("/api/admin/zones/{zone_id}")
async def delete_zone(zone_id: int, uow: Uow, context: Context) -> dict[str, str]:
    await handle_delete_zone(zone_id, uow, context)
    return {"message": "Zone deleted"}
