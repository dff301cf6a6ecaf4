"""Writes a batch's `PositionChanges` into the snapshot projection, in the transaction that numbers the batch."""

from __future__ import annotations

from canonical.db import Connection
from dispatcher.domain.stock_positions import PositionChanges

# Positions are unique within a batch (the fold summed them), so one upsert covers the batch.
_UPSERT = """
INSERT INTO snapshot_positions AS p (warehouse_id, item_id, bin_id, lot_key, lot_number, quantity_on_hand,
                                     quantity_allocated)
SELECT w, i, b, COALESCE(l, ''), l, h, a
FROM unnest($1::int[], $2::int[], $3::int[], $4::text[], $5::int[], $6::int[]) AS c(w, i, b, l, h, a)
ON CONFLICT (warehouse_id, item_id, bin_id, lot_key) DO UPDATE
SET quantity_on_hand = p.quantity_on_hand + EXCLUDED.quantity_on_hand,
    quantity_allocated = p.quantity_allocated + EXCLUDED.quantity_allocated
RETURNING warehouse_id, item_id, bin_id, lot_key, quantity_on_hand = 0 AND quantity_allocated = 0 AS emptied
"""
# An emptied position disappears, as it does from inventory's stock (the snapshot lists what is there).
_DELETE_EMPTIED = """
DELETE FROM snapshot_positions p
USING unnest($1::int[], $2::int[], $3::int[], $4::text[]) AS c(w, i, b, k)
WHERE (p.warehouse_id, p.item_id, p.bin_id, p.lot_key) = (c.w, c.i, c.b, c.k)
  AND p.quantity_on_hand = 0 AND p.quantity_allocated = 0
"""
_ITEM_IDS = """
INSERT INTO snapshot_items (item_id, external_id) SELECT * FROM unnest($1::int[], $2::uuid[])
ON CONFLICT (item_id) DO UPDATE SET external_id = EXCLUDED.external_id
"""
_BIN_IDS = """
INSERT INTO snapshot_bins (bin_id, external_id) SELECT * FROM unnest($1::int[], $2::uuid[])
ON CONFLICT (bin_id) DO UPDATE SET external_id = EXCLUDED.external_id
"""


async def apply_position_changes(connection: Connection, changes: PositionChanges) -> None:
    if changes.deltas:
        keys = list(changes.deltas)
        rows = await connection.fetch(
            _UPSERT,
            [k.warehouse_id for k in keys],
            [k.item_id for k in keys],
            [k.bin_id for k in keys],
            [k.lot_number for k in keys],
            [changes.deltas[k].on_hand for k in keys],
            [changes.deltas[k].allocated for k in keys],
        )
        emptied = [r for r in rows if r["emptied"]]
        if emptied:
            await connection.execute(
                _DELETE_EMPTIED,
                [r["warehouse_id"] for r in emptied],
                [r["item_id"] for r in emptied],
                [r["bin_id"] for r in emptied],
                [r["lot_key"] for r in emptied],
            )
    if changes.item_external_ids:
        items = changes.item_external_ids
        await connection.execute(_ITEM_IDS, list(items), list(items.values()))
    if changes.bin_external_ids:
        bins = changes.bin_external_ids
        await connection.execute(_BIN_IDS, list(bins), list(bins.values()))
