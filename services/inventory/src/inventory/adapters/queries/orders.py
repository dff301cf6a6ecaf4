"""Sales-order reads: admin list and detail, the scanner's SO lookup, packing and shipping views."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from canonical.pagination import Page
from inventory.adapters.queries.catalog import Filters, like_pattern

_HEADER = (
    "so.so_id, so.external_id, so.so_number, so.so_barcode, so.customer_name, so.customer_id, so.customer_phone,"
    " so.customer_address, so.status, so.priority, so.warehouse_id, so.ship_method, so.ship_address,"
    " so.billing_address, so.shipping_address, so.order_date, so.ship_by_date, so.created_at, so.created_by,"
    " so.picked_at, so.packed_at, so.shipped_at, so.cancelled_at, so.carrier, so.tracking_number,"
    " so.fulfillment_id"
)
_SCOPED = "($2::int[] IS NULL OR so.warehouse_id = ANY($2::int[]))"
_BY_BARCODE = f"(so.so_barcode = $1 OR so.so_number = $1) AND {_SCOPED}"


def _plain(row: asyncpg.Record) -> dict[str, Any]:
    values = dict(row)
    for key, value in values.items():
        if hasattr(value, "isoformat"):
            values[key] = value.isoformat()
        elif key.endswith("external_id") and value is not None:
            values[key] = str(value)
    return values


async def _lines(pool: asyncpg.Pool, so_id: int) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT l.so_line_id, l.line_number, l.item_id, i.sku, i.item_name, i.upc, i.weight_lbs,"
        " l.quantity_ordered, l.quantity_allocated, l.quantity_picked, l.quantity_packed, l.quantity_shipped,"
        " l.status FROM sales_order_lines l JOIN items i ON i.item_id = l.item_id WHERE l.so_id = $1"
        " ORDER BY l.line_number, l.so_line_id",
        so_id,
    )
    return [{**dict(r), "weight_lbs": None if r["weight_lbs"] is None else float(r["weight_lbs"])} for r in rows]


async def sales_order_detail(pool: asyncpg.Pool, so_id: int) -> dict[str, Any] | None:
    row = await pool.fetchrow(f"SELECT {_HEADER} FROM sales_orders so WHERE so.so_id = $1", so_id)  # noqa: S608
    if row is None:
        return None
    lines = [{k: v for k, v in line.items() if k != "weight_lbs"} for line in await _lines(pool, so_id)]
    return {"sales_order": _plain(row), "lines": lines}


async def list_sales_orders(
    pool: asyncpg.Pool, page: Page, *, status: str | None, warehouse_id: int | None, q: str | None
) -> tuple[list[dict[str, Any]], int]:
    filters = Filters()
    filters.add("so.status = ?", status)
    filters.add("so.warehouse_id = ?", warehouse_id)
    filters.add("(so.so_number ILIKE ? OR so.customer_name ILIKE ?)", like_pattern(q))
    limit, args = filters.paged(page)
    async with pool.acquire() as connection:
        total = int(await connection.fetchval(f"SELECT count(*) FROM sales_orders so{filters.where}", *filters.args))  # noqa: S608
        rows = await connection.fetch(
            f"SELECT {_HEADER}, (SELECT count(*) FROM sales_order_lines l WHERE l.so_id = so.so_id) AS line_count"  # noqa: S608
            f" FROM sales_orders so{filters.where} ORDER BY so.created_at DESC, so.so_id DESC{limit}",
            *args,
        )
    return [_plain(r) for r in rows], total


async def _by_barcode(pool: asyncpg.Pool, barcode: str, warehouses: Sequence[int] | None) -> asyncpg.Record | None:
    """Barcode or number; `warehouses` None means all. An order elsewhere looks exactly like a missing one."""
    return await pool.fetchrow(
        f"SELECT {_HEADER} FROM sales_orders so WHERE {_BY_BARCODE} ORDER BY so.so_id LIMIT 1",  # noqa: S608
        barcode,
        None if warehouses is None else list(warehouses),
    )


async def sales_order_lookup(
    pool: asyncpg.Pool, barcode: str, warehouses: Sequence[int] | None
) -> dict[str, Any] | None:
    row = await _by_barcode(pool, barcode, warehouses)
    if row is None:
        return None
    keys = ("so_id", "so_number", "so_barcode", "customer_name", "customer_phone", "customer_address")
    header = {k: row[k] for k in (*keys, "ship_address", "status", "warehouse_id")}
    line_keys = ("sku", "item_name", "quantity_ordered", "quantity_picked", "quantity_packed", "quantity_shipped")
    lines = [{k: line[k] for k in line_keys} for line in await _lines(pool, row["so_id"])]
    return {"sales_order": {**header, "lines": lines}}


_DESK_HEADER = (
    "so_id",
    "so_number",
    "so_barcode",
    "customer_name",
    "status",
    "ship_method",
    "ship_address",
    "warehouse_id",
)


async def desk_order(
    pool: asyncpg.Pool, barcode: str, warehouses: Sequence[int] | None
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The packing and shipping desks' view of an order: header and lines with weights."""
    row = await _by_barcode(pool, barcode, warehouses)
    if row is None:
        return None
    return {k: row[k] for k in _DESK_HEADER}, await _lines(pool, row["so_id"])
