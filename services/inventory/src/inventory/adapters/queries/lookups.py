"""Scanner lookups by barcode and text (v1.7 H.1). `warehouses` None means every warehouse (admins)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from inventory.adapters.queries.catalog import like_pattern

SEARCH_LIMIT = 50
_ITEM = "i.item_id, i.sku, i.item_name, i.upc, i.category, i.weight_lbs::float8 AS weight_lbs"
_BIN = "b.bin_id, b.bin_code, b.bin_barcode, b.bin_type, z.zone_name, b.aisle, b.row_num, b.level_num"
_AMOUNTS = (
    "s.quantity_on_hand, s.quantity_allocated, s.quantity_on_hand - s.quantity_allocated AS quantity_available,"
    " s.lot_number"
)
_IN_SCOPE = "($2::int[] IS NULL OR {column} = ANY($2::int[]))"


def _scope(warehouses: Sequence[int] | None) -> list[int] | None:
    return None if warehouses is None else list(warehouses)


async def item_by_barcode(pool: asyncpg.Pool, barcode: str, warehouses: Sequence[int] | None) -> dict[str, Any] | None:
    """UPC, SKU or any alias; the first match wins, as in v1.7. Locations elsewhere are left out.

    One round trip (the scanner's hottest read): the locations come back aggregated as JSON.
    """
    row = await pool.fetchrow(
        f"SELECT {_ITEM}, COALESCE((SELECT jsonb_agg(to_jsonb(l) ORDER BY l.pick_sequence, l.bin_code,"  # noqa: S608
        f" l.lot_number NULLS FIRST) FROM (SELECT b.bin_id, b.bin_code, b.bin_type, z.zone_name, {_AMOUNTS},"
        " b.pick_sequence FROM stock s JOIN bins b ON b.bin_id = s.bin_id JOIN zones z ON z.zone_id = b.zone_id"
        f" WHERE s.item_id = i.item_id AND {_IN_SCOPE.format(column='s.warehouse_id')}) l), '[]'::jsonb) AS locations"
        " FROM items i WHERE i.upc = $1 OR i.sku = $1 OR $1 = ANY(i.barcode_aliases)"
        " ORDER BY (i.upc = $1) DESC NULLS LAST, i.item_id LIMIT 1",
        barcode,
        _scope(warehouses),
    )
    if row is None:
        return None
    item = dict(row)
    locations = item.pop("locations")
    for location in locations:
        del location["pick_sequence"]
    return {"item": item, "locations": locations}


async def bin_by_barcode(pool: asyncpg.Pool, barcode: str, warehouses: Sequence[int] | None) -> dict[str, Any] | None:
    """Barcode or code; a bin in another warehouse is indistinguishable from none."""
    async with pool.acquire() as connection:
        bin_ = await connection.fetchrow(
            f"SELECT {_BIN} FROM bins b JOIN zones z ON z.zone_id = b.zone_id"  # noqa: S608
            f" WHERE (b.bin_barcode = $1 OR b.bin_code = $1) AND {_IN_SCOPE.format(column='b.warehouse_id')}"
            " ORDER BY (b.bin_barcode = $1) DESC, b.bin_id LIMIT 1",
            barcode,
            _scope(warehouses),
        )
        if bin_ is None:
            return None
        items = await connection.fetch(
            f"SELECT i.item_id, i.sku, i.item_name, i.upc, {_AMOUNTS} FROM stock s"  # noqa: S608
            " JOIN items i ON i.item_id = s.item_id WHERE s.bin_id = $1 ORDER BY i.sku, s.lot_number NULLS FIRST",
            bin_["bin_id"],
        )
    return {"bin": dict(bin_), "items": [dict(r) for r in items]}


async def search_items(pool: asyncpg.Pool, q: str, warehouses: Sequence[int] | None) -> list[dict[str, Any]]:
    """Non-admins only find items stocked or preferred in their warehouses."""
    if not q.strip():
        return []
    rows = await pool.fetch(
        f"SELECT {_ITEM} FROM items i WHERE (i.sku ILIKE $1 OR i.item_name ILIKE $1 OR i.upc ILIKE $1)"  # noqa: S608
        " AND ($2::int[] IS NULL"
        " OR EXISTS (SELECT 1 FROM stock s WHERE s.item_id = i.item_id AND s.warehouse_id = ANY($2::int[]))"
        " OR EXISTS (SELECT 1 FROM preferred_bins p JOIN bins b ON b.bin_id = p.bin_id"
        " WHERE p.item_id = i.item_id AND b.warehouse_id = ANY($2::int[])))"
        f" ORDER BY i.sku LIMIT {SEARCH_LIMIT}",
        like_pattern(q.strip()),
        _scope(warehouses),
    )
    return [dict(r) for r in rows]


async def search_bins(pool: asyncpg.Pool, q: str, warehouses: Sequence[int] | None) -> list[dict[str, Any]]:
    if not q.strip():
        return []
    rows = await pool.fetch(
        f"SELECT {_BIN} FROM bins b JOIN zones z ON z.zone_id = b.zone_id"  # noqa: S608
        f" WHERE (b.bin_code ILIKE $1 OR b.bin_barcode ILIKE $1) AND {_IN_SCOPE.format(column='b.warehouse_id')}"
        f" ORDER BY b.bin_code LIMIT {SEARCH_LIMIT}",
        like_pattern(q.strip()),
        _scope(warehouses),
    )
    return [dict(r) for r in rows]
