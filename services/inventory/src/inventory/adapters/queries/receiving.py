"""Purchase-order reads: scanner lookup by barcode, admin list and detail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from canonical.pagination import Page
from inventory.adapters.queries.catalog import Filters, like_pattern

_HEADER = (
    "po.po_id, po.po_number, po.po_barcode, po.vendor_name, po.vendor_id, po.status, po.expected_date,"
    " po.warehouse_id, po.notes, po.created_at, po.received_at, po.created_by, po.external_id"
)


def _header(row: asyncpg.Record) -> dict[str, Any]:
    values = dict(row)
    values["external_id"] = str(values["external_id"])
    for key in ("expected_date", "created_at", "received_at"):
        if values[key] is not None:
            values[key] = values[key].isoformat()
    return values


async def _lines(connection: asyncpg.Connection | asyncpg.Pool, po_id: int) -> list[dict[str, Any]]:
    rows = await connection.fetch(
        "SELECT l.po_line_id, l.line_number, l.item_id, i.sku, i.item_name, i.upc, l.quantity_ordered,"
        " l.quantity_received, GREATEST(l.quantity_ordered - l.quantity_received, 0) AS quantity_remaining,"
        " l.unit_cost, l.status FROM purchase_order_lines l JOIN items i ON i.item_id = l.item_id"
        " WHERE l.po_id = $1 ORDER BY l.line_number, l.po_line_id",
        po_id,
    )
    return [{**dict(r), "unit_cost": None if r["unit_cost"] is None else float(r["unit_cost"])} for r in rows]


async def purchase_order_detail(pool: asyncpg.Pool, po_id: int) -> dict[str, Any] | None:
    row = await pool.fetchrow(f"SELECT {_HEADER} FROM purchase_orders po WHERE po.po_id = $1", po_id)  # noqa: S608
    if row is None:
        return None
    return {"purchase_order": _header(row), "lines": await _lines(pool, po_id)}


async def purchase_order_by_barcode(
    pool: asyncpg.Pool, barcode: str, warehouses: Sequence[int] | None
) -> dict[str, Any] | None:
    """Barcode or number; `warehouses` None means every warehouse. Elsewhere looks exactly like absent."""
    row = await pool.fetchrow(
        f"SELECT {_HEADER} FROM purchase_orders po WHERE (po.po_barcode = $1 OR po.po_number = $1)"  # noqa: S608
        " AND ($2::int[] IS NULL OR po.warehouse_id = ANY($2::int[])) ORDER BY po.po_id LIMIT 1",
        barcode,
        None if warehouses is None else list(warehouses),
    )
    if row is None:
        return None
    return {"purchase_order": _header(row), "lines": await _lines(pool, row["po_id"])}


async def list_purchase_orders(
    pool: asyncpg.Pool, page: Page, *, status: str | None, warehouse_id: int | None, q: str | None
) -> tuple[list[dict[str, Any]], int]:
    filters = Filters()
    filters.add("po.status = ?", status)
    filters.add("po.warehouse_id = ?", warehouse_id)
    filters.add("(po.po_number ILIKE ? OR po.vendor_name ILIKE ?)", like_pattern(q))
    limit, args = filters.paged(page)
    async with pool.acquire() as connection:
        total = int(await connection.fetchval(f"SELECT count(*) FROM purchase_orders po{filters.where}", *filters.args))  # noqa: S608
        rows = await connection.fetch(
            f"SELECT {_HEADER}, (SELECT count(*) FROM purchase_order_lines l WHERE l.po_id = po.po_id) AS line_count"  # noqa: S608
            f" FROM purchase_orders po{filters.where} ORDER BY po.created_at DESC, po.po_id DESC{limit}",
            *args,
        )
    return [{**_header(r), "line_count": r["line_count"]} for r in rows], total
