"""Item and preferred-bin reads for the HTTP side."""

from __future__ import annotations

from typing import Any

import asyncpg

from canonical.pagination import Page
from inventory.adapters.queries.catalog import Filters, like_pattern
from inventory.adapters.repositories.catalog import item_from_row
from inventory.domain.catalog.changes import state_of

_ITEM_COLUMNS = (
    "i.item_id, i.external_id, i.sku, i.item_name, i.created_at, i.updated_at, i.description, i.upc,"
    " i.barcode_aliases, i.category, i.weight_lbs, i.length_in, i.width_in, i.height_in, i.default_bin_id,"
    " i.reorder_point, i.reorder_qty, i.is_lot_tracked, i.is_serial_tracked, i.is_active"
)
# The bin put-away goes to first: the priority-1 preferred bin, else the item's default bin.
_DEFAULT_BIN_CODE = (
    "COALESCE((SELECT b.bin_code FROM preferred_bins p JOIN bins b ON b.bin_id = p.bin_id"
    " WHERE p.item_id = i.item_id ORDER BY p.priority, p.preferred_bin_id LIMIT 1),"
    " (SELECT b.bin_code FROM bins b WHERE b.bin_id = i.default_bin_id)) AS default_bin_code"
)
_PREFERRED_COLUMNS = (
    "p.preferred_bin_id, p.item_id, p.bin_id, p.priority, p.notes, i.sku, i.item_name, b.bin_code, z.zone_name"
    " FROM preferred_bins p JOIN items i ON i.item_id = p.item_id JOIN bins b ON b.bin_id = p.bin_id"
    " JOIN zones z ON z.zone_id = b.zone_id"
)


async def list_items(
    pool: asyncpg.Pool, page: Page, *, category: str | None, active: bool | None, q: str | None
) -> tuple[list[dict[str, Any]], int]:
    filters = Filters()
    filters.add("i.category = ?", category)
    filters.add("i.is_active = ?", active)
    filters.add("(i.sku ILIKE ? OR i.item_name ILIKE ? OR i.upc ILIKE ?)", like_pattern(q))
    limit, args = filters.paged(page)
    async with pool.acquire() as connection:
        total = int(await connection.fetchval(f"SELECT count(*) FROM items i{filters.where}", *filters.args))  # noqa: S608
        rows = await connection.fetch(
            f"SELECT {_ITEM_COLUMNS}, {_DEFAULT_BIN_CODE} FROM items i{filters.where}"  # noqa: S608
            f" ORDER BY i.sku{limit}",
            *args,
        )
    return [{**state_of(item_from_row(r)), "default_bin_code": r["default_bin_code"]} for r in rows], total


async def item_detail(pool: asyncpg.Pool, item_id: int) -> dict[str, Any] | None:
    async with pool.acquire() as connection:
        row = await connection.fetchrow(
            f"SELECT {_ITEM_COLUMNS}, {_DEFAULT_BIN_CODE} FROM items i WHERE i.item_id = $1",  # noqa: S608
            item_id,
        )
        if row is None:
            return None
        preferred = await connection.fetch(
            f"SELECT {_PREFERRED_COLUMNS} WHERE p.item_id = $1 ORDER BY p.priority, p.preferred_bin_id",
            item_id,
        )
    item = {**state_of(item_from_row(row)), "default_bin_code": row["default_bin_code"]}
    return {"item": item, "preferred_bins": [dict(p) for p in preferred]}


async def list_preferred_bins(
    pool: asyncpg.Pool, *, item_id: int | None, bin_id: int | None, q: str | None
) -> list[dict[str, Any]]:
    filters = Filters()
    filters.add("p.item_id = ?", item_id)
    filters.add("p.bin_id = ?", bin_id)
    filters.add("(i.sku ILIKE ? OR i.item_name ILIKE ? OR b.bin_code ILIKE ?)", like_pattern(q))
    rows = await pool.fetch(
        f"SELECT {_PREFERRED_COLUMNS}{filters.where} ORDER BY i.sku, p.priority, p.preferred_bin_id",
        *filters.args,
    )
    return [dict(r) for r in rows]
