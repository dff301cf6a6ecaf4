"""Admin purchase-order endpoints."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse
from pydantic import Field

from canonical.errors import NotFound
from canonical.pagination import MAX_PER_PAGE, Page
from inventory.adapters.queries.receiving import list_purchase_orders, purchase_order_detail
from inventory.domain.receiving.purchase_order import MAX_ORDERED, MAX_PO_NUMBER_LENGTH, NewLine
from inventory.entrypoints.bodies import Body, PatchBody, iso_dates
from inventory.entrypoints.dependencies import Context, Pool, Uow
from inventory.entrypoints.routers import admin_router
from inventory.entrypoints.scoping import RequestedWarehouse
from inventory.service_layer.receiving.purchase_orders import (
    PO_NOT_FOUND,
    handle_close_purchase_order,
    handle_create_purchase_order,
    handle_reopen_purchase_order,
    handle_update_purchase_order,
)

router = admin_router()

PoNumber = Annotated[str, Field(min_length=1, max_length=MAX_PO_NUMBER_LENGTH)]
Barcode = Annotated[str, Field(min_length=1, max_length=128)]
Vendor = Annotated[str, Field(max_length=256)]


class LineIn(Body):
    item_id: int
    quantity_ordered: Annotated[int, Field(ge=1, le=MAX_ORDERED)]
    unit_cost: Annotated[float, Field(ge=0)] | None = None
    line_number: Annotated[int, Field(ge=1)] | None = None


class CreatePurchaseOrderIn(Body):
    po_number: PoNumber
    warehouse_id: int
    lines: Annotated[list[LineIn], Field(min_length=1)]
    po_barcode: Barcode | None = None
    vendor_name: Vendor | None = None
    vendor_id: Annotated[str, Field(max_length=128)] | None = None
    expected_date: date | None = None
    notes: str | None = None


class UpdatePurchaseOrderIn(PatchBody):
    NOT_NULL = frozenset({"po_number", "po_barcode"})

    po_number: PoNumber | None = None
    po_barcode: Barcode | None = None
    vendor_name: Vendor | None = None
    expected_date: date | None = None
    notes: str | None = None


async def _detail(pool: Pool, po_id: int) -> dict[str, Any]:
    detail = await purchase_order_detail(pool, po_id)
    if detail is None:
        raise NotFound(f"{PO_NOT_FOUND}.", legacy_error=PO_NOT_FOUND)
    return detail


@router.get("/api/admin/purchase-orders")
async def get_purchase_orders(
    pool: Pool,
    warehouse_id: RequestedWarehouse,
    status: str | None = None,
    q: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    paging = Page(page, per_page)
    rows, total = await list_purchase_orders(pool, paging, status=status, warehouse_id=warehouse_id, q=q)
    return paging.envelope("purchase_orders", rows, total)


@router.get("/api/admin/purchase-orders/{po_id}")
async def get_purchase_order(po_id: int, pool: Pool) -> dict[str, Any]:
    return await _detail(pool, po_id)


@router.post("/api/admin/purchase-orders", status_code=201)
async def create_purchase_order(body: CreatePurchaseOrderIn, uow: Uow, context: Context, pool: Pool) -> JSONResponse:
    """201 Created with the order as GET shows it (v1.7 answered 200; fixed per the spec decisions)."""
    fields = iso_dates(body.model_dump(exclude={"lines"}))
    lines = [NewLine(line.item_id, line.quantity_ordered, line.unit_cost, line.line_number) for line in body.lines]
    created = await handle_create_purchase_order(fields, lines, uow, context)
    return JSONResponse(await _detail(pool, created["po_id"]), status_code=201)


@router.put("/api/admin/purchase-orders/{po_id}")
async def update_purchase_order(
    po_id: int, body: UpdatePurchaseOrderIn, uow: Uow, context: Context, pool: Pool
) -> dict[str, Any]:
    await handle_update_purchase_order(po_id, iso_dates(body.changes()), uow, context)
    return await _detail(pool, po_id)


@router.post("/api/admin/purchase-orders/{po_id}/close")
async def close_purchase_order(po_id: int, uow: Uow, context: Context) -> dict[str, str]:
    await handle_close_purchase_order(po_id, uow, context)
    return {"message": "Purchase order closed", "status": "CLOSED"}


@router.post("/api/admin/purchase-orders/{po_id}/reopen")
async def reopen_purchase_order(po_id: int, uow: Uow, context: Context) -> dict[str, str]:
    await handle_reopen_purchase_order(po_id, uow, context)
    return {"message": "Purchase order reopened", "status": "OPEN"}
