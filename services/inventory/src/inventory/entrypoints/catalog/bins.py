"""Bin endpoints, plus the scanner's read-only bin list (any role, within warehouse scope)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import JSONResponse
from pydantic import Field

from canonical.errors import NotFound
from canonical.pagination import MAX_PER_PAGE, Page
from inventory.adapters.queries.catalog import bin_detail, list_bins
from inventory.adapters.queries.stock import stock_in_bin
from inventory.domain.catalog.bin import MAX_AISLE_LENGTH, MAX_BIN_BARCODE_LENGTH, MAX_BIN_CODE_LENGTH
from inventory.entrypoints.bodies import Body, PatchBody
from inventory.entrypoints.dependencies import Context, Pool, Uow
from inventory.entrypoints.routers import admin_router, floor_router
from inventory.entrypoints.scoping import RequestedWarehouse
from inventory.service_layer.catalog.bins import BIN_NOT_FOUND, handle_create_bin, handle_delete_bin, handle_update_bin

router = admin_router()
floor = floor_router()

BinType = Literal["Staging", "PickableStaging", "Pickable"]
Count = Annotated[int, Field(ge=0)]


class CreateBinIn(Body):
    warehouse_id: int
    zone_id: int
    bin_code: str = Field(min_length=1, max_length=MAX_BIN_CODE_LENGTH)
    bin_barcode: str = Field(min_length=1, max_length=MAX_BIN_BARCODE_LENGTH)
    bin_type: BinType = "Pickable"
    aisle: str | None = Field(default=None, max_length=MAX_AISLE_LENGTH)
    row_num: Count | None = None
    level_num: Count | None = None
    position_num: Count | None = None
    pick_sequence: Count = 0
    putaway_sequence: Count = 0
    description: str | None = None


class UpdateBinIn(PatchBody):
    NOT_NULL = frozenset(
        {"zone_id", "bin_code", "bin_barcode", "bin_type", "pick_sequence", "putaway_sequence", "is_active"}
    )

    zone_id: int | None = None
    bin_code: str | None = Field(default=None, min_length=1, max_length=MAX_BIN_CODE_LENGTH)
    bin_barcode: str | None = Field(default=None, min_length=1, max_length=MAX_BIN_BARCODE_LENGTH)
    bin_type: BinType | None = None
    aisle: str | None = Field(default=None, max_length=MAX_AISLE_LENGTH)
    row_num: Count | None = None
    level_num: Count | None = None
    position_num: Count | None = None
    pick_sequence: Count | None = None
    putaway_sequence: Count | None = None
    description: str | None = None
    is_active: bool | None = None


async def _bins(
    pool: Pool,
    warehouse_id: int | None,
    zone_id: int | None,
    bin_type: BinType | None,
    q: str | None,
    page: int,
    per_page: int,
) -> dict[str, Any]:
    paging = Page(page, per_page)
    rows, total = await list_bins(pool, paging, warehouse_id=warehouse_id, zone_id=zone_id, bin_type=bin_type, q=q)
    return paging.envelope("bins", rows, total)


@router.get("/api/admin/bins")
async def get_bins(
    pool: Pool,
    warehouse_id: RequestedWarehouse,
    zone_id: int | None = None,
    bin_type: BinType | None = None,
    q: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    return await _bins(pool, warehouse_id, zone_id, bin_type, q, page, per_page)


@floor.get("/api/v1/warehouses/{warehouse_id}/bins")
async def get_warehouse_bins(
    warehouse_id: int,
    pool: Pool,
    _: RequestedWarehouse,
    bin_type: BinType | None = None,
    q: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    """The scanner's bin list (e.g. staging bins to receive into): v1.7 only had the admin route for it."""
    return await _bins(pool, warehouse_id, None, bin_type, q, page, per_page)


@router.get("/api/admin/bins/{bin_id}")
async def get_bin(bin_id: int, pool: Pool) -> dict[str, Any]:
    found = await bin_detail(pool, bin_id)
    if found is None:
        raise NotFound(f"{BIN_NOT_FOUND}.", legacy_error=BIN_NOT_FOUND)
    return {"bin": found, "inventory": await stock_in_bin(pool, bin_id)}


@router.post("/api/admin/bins", status_code=201)
async def create_bin(body: CreateBinIn, uow: Uow, context: Context) -> JSONResponse:
    return JSONResponse(await handle_create_bin(body.model_dump(), uow, context), status_code=201)


@router.put("/api/admin/bins/{bin_id}")
async def update_bin(bin_id: int, body: UpdateBinIn, uow: Uow, context: Context) -> dict[str, Any]:
    return await handle_update_bin(bin_id, body.changes(), uow, context)


@router.delete("/api/admin/bins/{bin_id}")
async def delete_bin(bin_id: int, uow: Uow, context: Context) -> dict[str, str]:
    await handle_delete_bin(bin_id, uow, context)
    return {"message": "Bin deleted"}
