"""Inventory-control read models: cycle counts with their lines, the review of adjustments, and the
short-pick report's count columns (which count a short pick opened, how it settled the held units)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from canonical.db import Connection
from canonical.events.envelope import CloudEvent


async def _count_created(connection: Connection, data: dict[str, Any]) -> None:
    await connection.execute(
        "INSERT INTO cycle_counts (count_id, external_id, warehouse_id, bin_id, status, assigned_to, created_at)"
        " VALUES ($1, $2, $3, $4, 'PENDING', $5, $6)",
        data["count_id"],
        data["external_id"],
        data["warehouse_id"],
        data["bin_id"],
        data["assigned_to"],
        datetime.fromisoformat(data["created_at"]),
    )
    await connection.executemany(
        "INSERT INTO cycle_count_lines (count_line_id, count_id, item_id, lot_number, expected_quantity)"
        " VALUES ($1, $2, $3, $4, $5)",
        [
            (line["count_line_id"], data["count_id"], line["item_id"], line["lot_number"], line["expected_quantity"])
            for line in data["lines"]
        ],
    )
    if (short := data.get("short_pick")) is not None:
        await connection.execute(
            "UPDATE short_picks SET count_id = $2 WHERE pick_task_id = $1", short["pick_task_id"], data["count_id"]
        )


async def _hold_released(connection: Connection, data: dict[str, Any]) -> None:
    await connection.execute(
        "UPDATE short_picks SET count_outcome = $2, count_settled_at = $3 WHERE count_id = $1",
        data["count_id"],
        data["outcome"],
        datetime.fromisoformat(data["released_at"]),
    )


async def _count_submitted(connection: Connection, data: dict[str, Any]) -> None:
    completed_at = datetime.fromisoformat(data["completed_at"])
    await connection.execute(
        "UPDATE cycle_counts SET status = $2, submitted_by = $3, completed_at = $4 WHERE count_id = $1",
        data["count_id"],
        data["status"],
        data["submitted_by"],
        completed_at,
    )
    # Unexpected finds are new lines; snapshot lines get their counted values.
    await connection.executemany(
        "INSERT INTO cycle_count_lines (count_line_id, count_id, item_id, lot_number, expected_quantity,"
        " counted_quantity, scanned, unexpected, counted_by, counted_at, adjustment_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        " ON CONFLICT (count_line_id) DO UPDATE SET counted_quantity = EXCLUDED.counted_quantity,"
        " scanned = EXCLUDED.scanned, counted_by = EXCLUDED.counted_by, counted_at = EXCLUDED.counted_at,"
        " adjustment_id = EXCLUDED.adjustment_id",
        [
            (
                line["count_line_id"],
                data["count_id"],
                line["item_id"],
                line["lot_number"],
                line["expected_quantity"],
                line["counted_quantity"],
                line["scanned"],
                line["unexpected"],
                data["submitted_by"],
                completed_at,
                line["adjustment_id"],
            )
            for line in data["lines"]
        ],
    )


async def _adjustment_reviewed(connection: Connection, data: dict[str, Any]) -> None:
    await connection.execute(
        "UPDATE adjustments SET status = $2, reviewed_by = $3, reviewed_at = $4, quantity_applied = $5"
        " WHERE adjustment_id = $1",
        data["adjustment_id"],
        data["status"],
        data["reviewed_by"],
        datetime.fromisoformat(data["reviewed_at"]),
        data["quantity_applied"],
    )


_HANDLERS = {
    "cycle_count.created": _count_created,
    "cycle_count.submitted": _count_submitted,
    "adjustment.reviewed": _adjustment_reviewed,
    "cycle_count.hold_released": _hold_released,
}


async def apply_control_event(connection: Connection, event: CloudEvent) -> None:
    handler = _HANDLERS.get(event.type)
    if handler is not None:
        await handler(connection, event.data)
