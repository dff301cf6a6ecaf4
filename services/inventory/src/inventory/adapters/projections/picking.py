"""Picking read models: batches, their orders, tasks with shares, and the short-pick report.

A batch event names the header and only the tasks it changed, so a confirm
rewrites one task, not the whole batch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from canonical.db import Connection
from canonical.events.envelope import CloudEvent

_BATCH_EVENTS = frozenset(
    {
        "pick_batch.created",
        "pick_batch.completed",
        "pick_batch.cancelled",
        "pick_batch.order_withdrawn",
        "pick_task.confirmed",
        "pick_task.shorted",
    }
)


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


_UPSERT_BATCH = (
    "INSERT INTO pick_batches (batch_id, batch_number, kind, warehouse_id, status, assigned_to, created_at,"
    " completed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    " ON CONFLICT (batch_id) DO UPDATE SET status = EXCLUDED.status, completed_at = EXCLUDED.completed_at"
)
# The header, the tasks the event names and their shares in one statement (one round trip per confirm):
# shares the event no longer names are removed, the others upserted (disjoint rows, so one statement may).
_UPSERT_BATCH_AND_TASKS = (
    f"WITH header AS ({_UPSERT_BATCH}),"  # noqa: S608 (fixed text)
    " tasks AS (INSERT INTO pick_tasks (pick_task_id, batch_id, item_id, bin_id, lot_number, pick_sequence,"
    " quantity_to_pick, quantity_picked, tote_number, status, picked_by, picked_at, scan_confirmed)"
    " SELECT t.pick_task_id, $1, t.item_id, t.bin_id, t.lot_number, t.pick_sequence, t.quantity_to_pick,"
    " t.quantity_picked, t.tote_number, t.status, t.picked_by, t.picked_at, t.scan_confirmed"
    " FROM unnest($9::int[], $10::int[], $11::int[], $12::text[], $13::int[], $14::int[], $15::int[], $16::text[],"
    " $17::text[], $18::text[], $19::timestamptz[], $20::bool[]) AS t (pick_task_id, item_id, bin_id, lot_number,"
    " pick_sequence, quantity_to_pick, quantity_picked, tote_number, status, picked_by, picked_at, scan_confirmed)"
    " ON CONFLICT (pick_task_id) DO UPDATE SET quantity_to_pick = EXCLUDED.quantity_to_pick,"
    " quantity_picked = EXCLUDED.quantity_picked, status = EXCLUDED.status, picked_by = EXCLUDED.picked_by,"
    " picked_at = EXCLUDED.picked_at, scan_confirmed = EXCLUDED.scan_confirmed),"
    " shares AS (SELECT * FROM unnest($21::int[], $22::int[], $23::int[], $24::int[], $25::int[], $26::int[])"
    " AS s (pick_task_id, so_id, so_line_id, quantity, quantity_picked, short_quantity)),"
    " cleared AS (DELETE FROM pick_task_shares old WHERE old.pick_task_id = ANY($9::int[]) AND NOT EXISTS"
    " (SELECT 1 FROM shares s WHERE s.pick_task_id = old.pick_task_id AND s.so_line_id = old.so_line_id)),"
    " upserted AS (INSERT INTO pick_task_shares (pick_task_id, so_id, so_line_id, quantity, quantity_picked,"
    " short_quantity) SELECT * FROM shares ON CONFLICT (pick_task_id, so_line_id) DO UPDATE SET"
    " so_id = EXCLUDED.so_id, quantity = EXCLUDED.quantity, quantity_picked = EXCLUDED.quantity_picked,"
    " short_quantity = EXCLUDED.short_quantity)"
    " SELECT 1"
)
_TASK_FIELDS = (
    "pick_task_id",
    "item_id",
    "bin_id",
    "lot_number",
    "pick_sequence",
    "quantity_to_pick",
    "quantity_picked",
    "tote_number",
    "status",
    "picked_by",
    "picked_at",
    "scan_confirmed",
)


_SHARE_FIELDS = ("pick_task_id", "so_id", "so_line_id", "quantity", "quantity_picked", "short_quantity")


def _header(batch: dict[str, Any]) -> tuple[Any, ...]:
    return (
        batch["batch_id"],
        batch["batch_number"],
        batch["kind"],
        batch["warehouse_id"],
        batch["status"],
        batch["assigned_to"],
        _time(batch["created_at"]),
        _time(batch["completed_at"]),
    )


async def _batch_and_tasks(connection: Connection, batch: dict[str, Any], tasks: list[dict[str, Any]]) -> None:
    if not tasks:
        await connection.execute(_UPSERT_BATCH, *_header(batch))
        return
    columns = [[_time(t[f]) if f == "picked_at" else t[f] for t in tasks] for f in _TASK_FIELDS]
    shares = [{"pick_task_id": t["pick_task_id"], **s} for t in tasks for s in t["shares"]]
    share_columns = [[s[f] for s in shares] for f in _SHARE_FIELDS]
    await connection.execute(_UPSERT_BATCH_AND_TASKS, *_header(batch), *columns, *share_columns)


async def _short_pick(connection: Connection, batch: dict[str, Any], short: dict[str, Any]) -> None:
    await connection.execute(
        "INSERT INTO short_picks (pick_task_id, batch_id, warehouse_id, item_id, bin_id, lot_number,"
        " quantity_to_pick, quantity_picked, shortage, reported_by, reported_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        short["pick_task_id"],
        batch["batch_id"],
        batch["warehouse_id"],
        short["item_id"],
        short["bin_id"],
        short["lot_number"],
        short["quantity_to_pick"],
        short["quantity_picked"],
        short["shortage"],
        short["reported_by"],
        _time(short["reported_at"]),
    )


async def apply_picking_event(connection: Connection, event: CloudEvent) -> None:
    if event.type not in _BATCH_EVENTS:
        return
    data = event.data
    batch = data["batch"]
    await _batch_and_tasks(connection, batch, data["tasks"])
    if data["orders"]:
        await connection.executemany(
            "INSERT INTO pick_batch_orders (batch_id, so_id, tote_number, position) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT DO NOTHING",
            [(batch["batch_id"], o["so_id"], o["tote_number"], o["position"]) for o in data["orders"]],
        )
    if data["short_pick"] is not None:
        await _short_pick(connection, batch, data["short_pick"])
