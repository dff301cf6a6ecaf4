"""Put-away reads: what waits in staging, and where an item should go."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

_SUGGESTION = "b.bin_id, b.bin_code, b.bin_barcode, z.zone_name"
_BINS = "bins b JOIN zones z ON z.zone_id = b.zone_id"
_IN_SCOPE = "($2::int[] IS NULL OR b.warehouse_id = ANY($2::int[]))"


async def item_summary(pool: asyncpg.Pool, item_id: int) -> dict[str, Any] | None:
    row = await pool.fetchrow("SELECT item_id, sku, item_name FROM items WHERE item_id = $1", item_id)
    return None if row is None else dict(row)


async def bin_by_id(pool: asyncpg.Pool, bin_id: int) -> dict[str, Any] | None:
    row = await pool.fetchrow("SELECT bin_id, bin_code, warehouse_id FROM bins WHERE bin_id = $1", bin_id)
    return None if row is None else dict(row)


async def pending_put_away(pool: asyncpg.Pool, warehouse_id: int) -> list[dict[str, Any]]:
    """Stock on hand in Staging bins (PickableStaging stock may be picked in place, so it is not pending)."""
    rows = await pool.fetch(
        "SELECT s.stock_id AS inventory_id, s.item_id, i.sku, i.item_name, i.upc, s.quantity_on_hand AS quantity,"
        " s.bin_id, b.bin_code, s.lot_number FROM stock s JOIN bins b ON b.bin_id = s.bin_id"
        " JOIN items i ON i.item_id = s.item_id"
        " WHERE s.warehouse_id = $1 AND b.bin_type = 'Staging' AND s.quantity_on_hand > 0"
        " ORDER BY b.bin_code, i.sku, s.lot_number NULLS FIRST",
        warehouse_id,
    )
    return [dict(r) for r in rows]


async def put_away_suggestion(
    pool: asyncpg.Pool, item_id: int, warehouses: Sequence[int] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(preferred, suggested). Suggested is the first of: the preferred bin (lowest priority), the item's
    default bin, a storage bin that already holds the item, the first active Pickable bin by put-away
    sequence. `warehouses` None means every warehouse (admins)."""
    scope = None if warehouses is None else list(warehouses)
    async with pool.acquire() as connection:
        preferred = await connection.fetchrow(
            f"SELECT {_SUGGESTION}, p.priority, 'preferred' AS source FROM preferred_bins p"  # noqa: S608
            f" JOIN {_BINS} ON b.bin_id = p.bin_id WHERE p.item_id = $1 AND {_IN_SCOPE}"
            " ORDER BY p.priority, p.preferred_bin_id LIMIT 1",
            item_id,
            scope,
        ) or await connection.fetchrow(
            f"SELECT {_SUGGESTION}, 1 AS priority, 'default' AS source FROM items i"  # noqa: S608
            f" JOIN {_BINS} ON b.bin_id = i.default_bin_id WHERE i.item_id = $1 AND {_IN_SCOPE}",
            item_id,
            scope,
        )
        if preferred is not None:
            return dict(preferred), dict(preferred)
        fallback = await connection.fetchrow(
            f"SELECT {_SUGGESTION}, NULL::int AS priority, 'existing_stock' AS source FROM stock s"  # noqa: S608
            f" JOIN {_BINS} ON b.bin_id = s.bin_id WHERE s.item_id = $1 AND {_IN_SCOPE}"
            " AND b.bin_type <> 'Staging' AND b.is_active ORDER BY b.pick_sequence, b.bin_id LIMIT 1",
            item_id,
            scope,
        ) or await connection.fetchrow(
            f"SELECT {_SUGGESTION}, NULL::int AS priority, 'sequence' AS source FROM {_BINS}"  # noqa: S608
            f" WHERE $1::int IS NOT NULL AND {_IN_SCOPE} AND b.bin_type = 'Pickable' AND b.is_active"
            " ORDER BY b.putaway_sequence, b.bin_id LIMIT 1",
            item_id,
            scope,
        )
    return None, None if fallback is None else dict(fallback)
