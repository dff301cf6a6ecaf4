"""Cycle-count and adjustment reads for the HTTP side."""

from __future__ import annotations

from typing import Any

import asyncpg

from canonical.pagination import Page

ADMIN_COUNT_LIMIT = 200

_LINE_COLUMNS = (
    "l.count_line_id, l.item_id, i.sku, i.item_name, i.upc, l.lot_number, l.expected_quantity, l.counted_quantity,"
    " l.counted_quantity - l.expected_quantity AS variance, l.scanned, l.unexpected"
)


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


async def count_detail(pool: asyncpg.Pool, count_id: int) -> dict[str, Any] | None:
    row = await pool.fetchrow(
        "SELECT c.count_id, c.bin_id, b.bin_code, b.bin_barcode, c.warehouse_id, c.status, c.assigned_to,"
        " c.created_at, c.completed_at FROM cycle_counts c LEFT JOIN bins b ON b.bin_id = c.bin_id"
        " WHERE c.count_id = $1",
        count_id,
    )
    if row is None:
        return None
    lines = await pool.fetch(
        f"SELECT {_LINE_COLUMNS} FROM cycle_count_lines l LEFT JOIN items i ON i.item_id = l.item_id"  # noqa: S608
        " WHERE l.count_id = $1 ORDER BY l.count_line_id",
        count_id,
    )
    count = {**dict(row), "created_at": _iso(row["created_at"]), "completed_at": _iso(row["completed_at"])}
    return {"cycle_count": count, "lines": [dict(r) for r in lines]}


def blind(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a counter may see of a blind count: no expected quantity, so no variance either."""
    return [{**line, "expected_quantity": None, "variance": None} for line in lines]


async def recent_counts(pool: asyncpg.Pool, warehouse_id: int | None) -> list[dict[str, Any]]:
    counts = await pool.fetch(
        "SELECT c.count_id, c.warehouse_id, c.bin_id, b.bin_code, c.status, c.assigned_to, c.submitted_by,"
        " c.created_at, c.completed_at FROM cycle_counts c LEFT JOIN bins b ON b.bin_id = c.bin_id"
        " WHERE $1::integer IS NULL OR c.warehouse_id = $1 ORDER BY c.created_at DESC, c.count_id DESC LIMIT $2",
        warehouse_id,
        ADMIN_COUNT_LIMIT,
    )
    lines = await pool.fetch(
        f"SELECT l.count_id, {_LINE_COLUMNS} FROM cycle_count_lines l"  # noqa: S608
        " LEFT JOIN items i ON i.item_id = l.item_id WHERE l.count_id = ANY($1::integer[])"
        " ORDER BY l.count_line_id",
        [c["count_id"] for c in counts],
    )
    by_count: dict[int, list[dict[str, Any]]] = {}
    for line in lines:
        values = dict(line)
        by_count.setdefault(values.pop("count_id"), []).append(values)
    return [
        {
            **dict(c),
            "created_at": _iso(c["created_at"]),
            "completed_at": _iso(c["completed_at"]),
            "lines": by_count.get(c["count_id"], []),
        }
        for c in counts
    ]


_ADJUSTMENT_COLUMNS = (
    "a.adjustment_id, a.external_id::text AS external_id, a.item_id, a.bin_id, a.warehouse_id, a.lot_number,"
    " a.quantity_change, a.reason_code, a.reason_detail, a.status, a.adjusted_by, a.adjusted_at, a.cycle_count_id,"
    " a.reviewed_by, a.reviewed_at, a.quantity_applied, i.sku, i.item_name, b.bin_code"
)
_ADJUSTMENT_JOINS = (
    " FROM adjustments a LEFT JOIN items i ON i.item_id = a.item_id LEFT JOIN bins b ON b.bin_id = a.bin_id"
)


def _adjustment(row: asyncpg.Record) -> dict[str, Any]:
    return {**dict(row), "adjusted_at": _iso(row["adjusted_at"]), "reviewed_at": _iso(row["reviewed_at"])}


async def pending_adjustments(pool: asyncpg.Pool, warehouse_id: int | None) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        f"SELECT {_ADJUSTMENT_COLUMNS}{_ADJUSTMENT_JOINS}"
        " WHERE a.status = 'PENDING' AND ($1::integer IS NULL OR a.warehouse_id = $1)"
        " ORDER BY a.cycle_count_id NULLS LAST, a.adjustment_id",
        warehouse_id,
    )
    return [_adjustment(r) for r in rows]


async def list_adjustments(
    pool: asyncpg.Pool, paging: Page, warehouse_id: int | None
) -> tuple[list[dict[str, Any]], int]:
    where = " WHERE $1::integer IS NULL OR a.warehouse_id = $1"
    rows = await pool.fetch(
        f"SELECT {_ADJUSTMENT_COLUMNS}{_ADJUSTMENT_JOINS}{where}"
        " ORDER BY a.adjusted_at DESC, a.adjustment_id DESC LIMIT $2 OFFSET $3",
        warehouse_id,
        paging.per_page,
        paging.offset,
    )
    total = await pool.fetchval(f"SELECT count(*) FROM adjustments a{where}", warehouse_id)  # noqa: S608
    return [_adjustment(r) for r in rows], int(total)
