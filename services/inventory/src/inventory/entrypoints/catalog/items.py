"""Item and preferred-bin endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse
from pydantic import Field

from canonical.errors import NotFound
from canonical.pagination import MAX_PER_PAGE, Page
from inventory.adapters.queries.items import item_detail, list_items, list_preferred_bins
from inventory.adapters.queries.stock import stock_of_item
from inventory.domain.catalog.item import MAX_ITEM_NAME_LENGTH, MAX_SKU_LENGTH, MAX_WEIGHT_LBS
from inventory.domain.catalog.preferred_bin import MAX_PRIORITY, MIN_PRIORITY
from inventory.entrypoints.bodies import Body, PatchBody
from inventory.entrypoints.dependencies import Context, Pool, Uow
from inventory.entrypoints.routers import admin_router
from inventory.service_layer.catalog.items import (
    ITEM_NOT_FOUND,
    handle_create_item,
    handle_delete_item,
    handle_toggle_archive,
    handle_update_item,
)
from inventory.service_layer.catalog.preferred_bins import (
    handle_remove_preferred_bin,
    handle_reprioritise_preferred_bin,
    handle_save_preferred_bin,
)

router = admin_router()

Sku = Annotated[str, Field(min_length=1, max_length=MAX_SKU_LENGTH)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_ITEM_NAME_LENGTH)]
Barcode = Annotated[str, Field(min_length=1, max_length=128)]
Weight = Annotated[float, Field(ge=0, le=MAX_WEIGHT_LBS)]
# The spec bounds neither; the columns do (numeric(10, 3) and integer): past them a 400, not a 500.
Dimension = Annotated[float, Field(ge=0, le=9_999_999.999)]
Count = Annotated[int, Field(ge=0, le=2**31 - 1)]
Priority = Annotated[int, Field(ge=MIN_PRIORITY, le=MAX_PRIORITY)]


class ItemFields(Body):
    description: str | None = None
    upc: Barcode | None = None
    barcode_aliases: list[Barcode] | None = None
    category: str | None = Field(default=None, max_length=128)
    weight_lbs: Weight | None = None
    length_in: Dimension | None = None
    width_in: Dimension | None = None
    height_in: Dimension | None = None
    default_bin_id: int | None = None
    reorder_qty: Count | None = None


class CreateItemIn(ItemFields):
    sku: Sku
    item_name: Name
    reorder_point: Count = 0
    is_lot_tracked: bool = False
    is_serial_tracked: bool = False


class UpdateItemIn(ItemFields, PatchBody):
    NOT_NULL = frozenset({"sku", "item_name", "reorder_point", "is_lot_tracked", "is_serial_tracked", "is_active"})

    sku: Sku | None = None
    item_name: Name | None = None
    reorder_point: Count | None = None
    is_lot_tracked: bool | None = None
    is_serial_tracked: bool | None = None
    is_active: bool | None = None


class SavePreferredBinIn(Body):
    item_id: int
    bin_id: int
    priority: Priority = MIN_PRIORITY
    notes: str | None = None


class ReprioritiseIn(Body):
    priority: Priority


def _item_not_found() -> NotFound:
    return NotFound(f"{ITEM_NOT_FOUND}.", legacy_error=ITEM_NOT_FOUND)


@router.get("/api/admin/items")
async def get_items(
    pool: Pool,
    category: str | None = None,
    active: bool | None = None,
    q: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    paging = Page(page, per_page)
    rows, total = await list_items(pool, paging, category=category, active=active, q=q)
    return paging.envelope("items", rows, total)


@router.get("/api/admin/items/{item_id}")
async def get_item(item_id: int, pool: Pool) -> dict[str, Any]:
    detail = await item_detail(pool, item_id)
    if detail is None:
        raise _item_not_found()
    return {**detail, "inventory": await stock_of_item(pool, item_id)}


@router.post("/api/admin/items", status_code=201)
async def create_item(body: CreateItemIn, uow: Uow, context: Context) -> JSONResponse:
    return JSONResponse(await handle_create_item(body.model_dump(), uow, context), status_code=201)


@router.put("/api/admin/items/{item_id}")
async def update_item(item_id: int, body: UpdateItemIn, uow: Uow, context: Context) -> dict[str, Any]:
    return await handle_update_item(item_id, body.changes(), uow, context)


@router.post("/api/admin/items/{item_id}/archive")
async def archive_item(item_id: int, uow: Uow, context: Context) -> dict[str, Any]:
    active = await handle_toggle_archive(item_id, uow, context)
    return {"message": "Item restored" if active else "Item archived", "is_active": active}


@router.delete("/api/admin/items/{item_id}")
async def delete_item(item_id: int, uow: Uow, context: Context) -> dict[str, str]:
    await handle_delete_item(item_id, uow, context)
    return {"message": "Item deleted"}


@router.get("/api/admin/preferred-bins")
async def get_preferred_bins(
    pool: Pool, item_id: int | None = None, bin_id: int | None = None, q: str | None = None
) -> dict[str, Any]:
    return {"preferred_bins": await list_preferred_bins(pool, item_id=item_id, bin_id=bin_id, q=q)}


@router.post("/api/admin/preferred-bins")
async def save_preferred_bin(body: SavePreferredBinIn, uow: Uow, context: Context) -> dict[str, str]:
    await handle_save_preferred_bin(body.item_id, body.bin_id, body.priority, body.notes, uow, context)
    return {"message": "Preferred bin saved"}


@router.put("/api/admin/preferred-bins/{preferred_bin_id}")
async def reprioritise_preferred_bin(
    preferred_bin_id: int, body: ReprioritiseIn, uow: Uow, context: Context
) -> dict[str, str]:
    await handle_reprioritise_preferred_bin(preferred_bin_id, body.priority, uow, context)
    return {"message": "Preferred bin updated"}


@router.delete("/api/admin/preferred-bins/{preferred_bin_id}")
async def remove_preferred_bin(preferred_bin_id: int, uow: Uow, context: Context) -> dict[str, str]:
    await handle_remove_preferred_bin(preferred_bin_id, uow, context)
    return {"message": "Preferred bin removed"}
