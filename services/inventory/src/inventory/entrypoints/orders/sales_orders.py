"""Admin sales-order endpoints (v1.7 E.3) and the scanner's SO lookup."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse
from pydantic import Field

from canonical.errors import NotFound
from canonical.pagination import MAX_PER_PAGE, Page
from canonical.web.identity import CurrentIdentity
from inventory.adapters.queries.orders import list_sales_orders, sales_order_detail, sales_order_lookup
from inventory.domain.orders.sales_order import MAX_ORDERED, MAX_SO_NUMBER_LENGTH, NewSoLine
from inventory.entrypoints.bodies import Body, PatchBody, iso_dates
from inventory.entrypoints.dependencies import Context, Pool
from inventory.entrypoints.orders.dependencies import FulfilmentUow
from inventory.entrypoints.routers import admin_router, floor_router
from inventory.entrypoints.scoping import RequestedWarehouse, visible_warehouses
from inventory.service_layer.orders.cancel import handle_cancel_sales_order
from inventory.service_layer.orders.locks import SO_NOT_FOUND
from inventory.service_layer.orders.sales_orders import handle_create_sales_order, handle_update_sales_order

router = admin_router()
floor = floor_router()

SoNumber = Annotated[str, Field(min_length=1, max_length=MAX_SO_NUMBER_LENGTH)]
Barcode = Annotated[str, Field(min_length=1, max_length=128)]
Name = Annotated[str, Field(max_length=256)]
Short = Annotated[str, Field(max_length=128)]
Address = Annotated[str, Field(max_length=2000)]
Priority = Annotated[int, Field(ge=0, le=10)]


class LineIn(Body):
    item_id: int
    quantity_ordered: Annotated[int, Field(ge=1, le=MAX_ORDERED)]
    line_number: Annotated[int, Field(ge=1)] | None = None


class _OrderParties(Body):
    """Who the order is for and how it ships: optional when creating, and what an update may change."""

    customer_name: Name | None = None
    customer_id: Short | None = None
    customer_phone: Short | None = None
    customer_address: Address | None = None
    ship_method: Short | None = None
    ship_address: Address | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    ship_by_date: date | None = None


class CreateSalesOrderIn(_OrderParties):
    so_number: SoNumber
    warehouse_id: int
    lines: Annotated[list[LineIn], Field(min_length=1)]
    so_barcode: Barcode | None = None
    priority: Priority = 0


class UpdateSalesOrderIn(PatchBody, _OrderParties):
    NOT_NULL = frozenset({"so_number", "so_barcode", "priority"})

    so_number: SoNumber | None = None
    so_barcode: Barcode | None = None
    priority: Priority | None = None


async def _detail(pool: Pool, so_id: int) -> dict[str, Any]:
    detail = await sales_order_detail(pool, so_id)
    if detail is None:
        raise NotFound(f"{SO_NOT_FOUND}.", legacy_error=SO_NOT_FOUND)
    return detail


@router.get("/api/admin/sales-orders")
async def get_sales_orders(
    pool: Pool,
    warehouse_id: RequestedWarehouse,
    status: str | None = None,
    q: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    paging = Page(page, per_page)
    rows, total = await list_sales_orders(pool, paging, status=status, warehouse_id=warehouse_id, q=q)
    return paging.envelope("sales_orders", rows, total)


@router.get("/api/admin/sales-orders/{so_id}")
async def get_sales_order(so_id: int, pool: Pool) -> dict[str, Any]:
    return await _detail(pool, so_id)


@router.post("/api/admin/sales-orders", status_code=201)
async def create_sales_order(
    body: CreateSalesOrderIn, uow: FulfilmentUow, context: Context, pool: Pool
) -> JSONResponse:
    """201 Created with the order as GET shows it (v1.7 answered 200; fixed per the spec decisions)."""
    fields = iso_dates(body.model_dump(exclude={"lines"}))
    lines = [NewSoLine(line.item_id, line.quantity_ordered, line.line_number) for line in body.lines]
    so_id = await handle_create_sales_order(fields, lines, uow, context)
    return JSONResponse(await _detail(pool, so_id), status_code=201)


@router.put("/api/admin/sales-orders/{so_id}")
async def update_sales_order(
    so_id: int, body: UpdateSalesOrderIn, uow: FulfilmentUow, context: Context, pool: Pool
) -> dict[str, Any]:
    await handle_update_sales_order(so_id, iso_dates(body.changes()), uow, context)
    return await _detail(pool, so_id)


@router.post("/api/admin/sales-orders/{so_id}/cancel")
async def cancel_sales_order(so_id: int, uow: FulfilmentUow, context: Context) -> dict[str, str]:
    await handle_cancel_sales_order(so_id, uow, context)
    return {"message": "Sales order cancelled"}


@floor.get("/api/lookup/so/{barcode}")
async def look_up_sales_order(barcode: str, pool: Pool, identity: CurrentIdentity) -> dict[str, Any]:
    """Any status; an order in another warehouse answers exactly like a missing one."""
    found = await sales_order_lookup(pool, barcode.strip(), visible_warehouses(identity))
    if found is None:
        raise NotFound(f"{SO_NOT_FOUND}.", legacy_error=SO_NOT_FOUND)
    return found
