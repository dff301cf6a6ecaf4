"""Stock history and stock "as of" a moment, from the movement projection (one row per stock event)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from canonical.pagination import Page
from inventory.adapters.queries.catalog import Filters


def _filters(item_id: int | None, bin_id: int | None, warehouse_id: int | None, scope: Sequence[int] | None) -> Filters:
    filters = Filters()
    filters.add("m.item_id = ?", item_id)
    filters.add("m.bin_id = ?", bin_id)
    filters.add("m.warehouse_id = ?", warehouse_id)
    filters.add("m.warehouse_id = ANY(?::int[])", None if scope is None else list(scope))
    return filters


async def stock_history(
    pool: asyncpg.Pool,
    page: Page,
    *,
    item_id: int | None,
    bin_id: int | None,
    warehouse_id: int | None,
    scope: Sequence[int] | None,
) -> tuple[list[dict[str, Any]], int]:
    """Newest first. `scope` None means every warehouse (admins)."""
    filters = _filters(item_id, bin_id, warehouse_id, scope)
    limit, args = filters.paged(page)
    async with pool.acquire() as connection:
        total = int(await connection.fetchval(f"SELECT count(*) FROM stock_movements m{filters.where}", *filters.args))  # noqa: S608
        rows = await connection.fetch(
            "SELECT m.movement_id, m.event_id::text AS event_id, m.occurred_at, m.event_type, m.warehouse_id,"  # noqa: S608
            " m.bin_id, b.bin_code, m.item_id, i.sku, m.lot_number, m.on_hand_change, m.allocated_change, m.reason,"
            " m.reference_type, m.reference_id, m.actor FROM stock_movements m"
            " LEFT JOIN bins b ON b.bin_id = m.bin_id LEFT JOIN items i ON i.item_id = m.item_id"
            f"{filters.where} ORDER BY m.movement_id DESC{limit}",
            *args,
        )
    return [{**dict(r), "occurred_at": r["occurred_at"].isoformat()} for r in rows], total


async def stock_as_of(
    pool: asyncpg.Pool,
    moment: datetime,
    *,
    item_id: int | None,
    bin_id: int | None,
    warehouse_id: int | None,
    scope: Sequence[int] | None,
) -> list[dict[str, Any]]:
    filters = _filters(item_id, bin_id, warehouse_id, scope)
    filters.add("m.occurred_at <= ?", moment)
    rows = await pool.fetch(
        "SELECT m.warehouse_id, m.bin_id, m.item_id, m.lot_number, sum(m.on_hand_change)::int AS quantity_on_hand,"  # noqa: S608
        " sum(m.allocated_change)::int AS quantity_allocated FROM stock_movements m"
        f"{filters.where} GROUP BY m.warehouse_id, m.bin_id, m.item_id, m.lot_number"
        " HAVING sum(m.on_hand_change) <> 0 OR sum(m.allocated_change) <> 0"
        " ORDER BY m.warehouse_id, m.bin_id, m.item_id, m.lot_number NULLS FIRST",
        *filters.args,
    )
    return [dict(r) for r in rows]
