"""Stock read models: positions per (bin, item, lot), the movement history, adjustments and transfers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from canonical.db import Connection
from canonical.events.envelope import CloudEvent
from canonical.events.stock import STOCK_EFFECTS


async def _apply_position(connection: Connection, event: CloudEvent) -> None:
    data = event.data
    on_hand_sign, allocated_sign = STOCK_EFFECTS[event.type]
    on_hand, allocated = on_hand_sign * data["quantity"], allocated_sign * data["quantity"]
    occurred_at = datetime.fromisoformat(data["occurred_at"])
    expiry = date.fromisoformat(data["expiry_date"]) if data["expiry_date"] else None
    # Writers of a (bin, item) hold its stream lock, so update-else-insert cannot race. (An upsert
    # would not do: PostgreSQL checks the CHECKs on the proposed row of a removal before the conflict.)
    # The movement row rides in the update's statement: one round trip for the usual event.
    row = await connection.fetchrow(
        "WITH movement AS (INSERT INTO stock_movements (event_id, occurred_at, event_type, warehouse_id, bin_id,"
        " item_id, lot_number, on_hand_change, allocated_change, reason, reference_type, reference_id, actor)"
        " VALUES ($8::uuid, $7, $9, $10, $1, $2, $3, $4, $5, $11, $12, $13, $14))"
        " UPDATE stock SET quantity_on_hand = quantity_on_hand + $4, quantity_allocated = quantity_allocated + $5,"
        " expiry_date = COALESCE($6, expiry_date), updated_at = $7"
        " WHERE bin_id = $1 AND item_id = $2 AND lot_number IS NOT DISTINCT FROM $3"
        " RETURNING quantity_on_hand = 0 AND quantity_allocated = 0 AS emptied",
        data["bin_id"],
        data["item_id"],
        data["lot_number"],
        on_hand,
        allocated,
        expiry,
        occurred_at,
        event.id,
        event.type,
        data["warehouse_id"],
        data["reason"],
        data["reference_type"],
        data["reference_id"],
        event.actor,
    )
    if row is None:
        await connection.execute(
            "INSERT INTO stock (warehouse_id, bin_id, item_id, lot_number, expiry_date, uom, quantity_on_hand,"
            " quantity_allocated, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            data["warehouse_id"],
            data["bin_id"],
            data["item_id"],
            data["lot_number"],
            expiry,
            data["uom"] or "each",
            on_hand,
            allocated,
            occurred_at,
        )
        emptied = on_hand == 0 and allocated == 0
    else:
        emptied = row["emptied"]
    if emptied:
        # An empty position disappears, as in v1.7 (a zero row would only clutter lookups).
        await connection.execute(
            "DELETE FROM stock WHERE bin_id = $1 AND item_id = $2 AND lot_number IS NOT DISTINCT FROM $3"
            " AND quantity_on_hand = 0 AND quantity_allocated = 0",
            data["bin_id"],
            data["item_id"],
            data["lot_number"],
        )


async def _apply_adjustment(connection: Connection, data: dict[str, Any]) -> None:
    await connection.execute(
        "INSERT INTO adjustments (adjustment_id, external_id, warehouse_id, bin_id, item_id, lot_number,"
        " quantity_change, reason_code, reason_detail, status, adjusted_by, adjusted_at, cycle_count_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        " ON CONFLICT (adjustment_id) DO UPDATE SET status = EXCLUDED.status",
        data["adjustment_id"],
        data["external_id"],
        data["warehouse_id"],
        data["bin_id"],
        data["item_id"],
        data["lot_number"],
        data["quantity_change"],
        data["reason_code"],
        data["reason_detail"],
        data["status"],
        data["adjusted_by"],
        datetime.fromisoformat(data["adjusted_at"]),
        data["cycle_count_id"],
    )


async def _apply_transfer(connection: Connection, data: dict[str, Any]) -> None:
    await connection.execute(
        "INSERT INTO transfers (transfer_id, external_id, transfer_type, item_id, from_bin_id, from_warehouse_id,"
        " to_bin_id, to_warehouse_id, lot_number, quantity, reason, transferred_by, transferred_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        data["transfer_id"],
        data["external_id"],
        data["transfer_type"],
        data["item_id"],
        data["from_bin_id"],
        data["from_warehouse_id"],
        data["to_bin_id"],
        data["to_warehouse_id"],
        data["lot_number"],
        data["quantity"],
        data["reason"],
        data["transferred_by"],
        datetime.fromisoformat(data["transferred_at"]),
    )


async def apply_stock_event(connection: Connection, event: CloudEvent) -> None:
    if event.type in STOCK_EFFECTS:
        await _apply_position(connection, event)
    elif event.type == "adjustment.recorded":
        await _apply_adjustment(connection, event.data)
    elif event.type == "transfer.recorded":
        await _apply_transfer(connection, event.data)
