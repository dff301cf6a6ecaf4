"""Picking reads: batch view with its walk, the next task, the caller's active batch, wave validation, ATP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

_TASK = (
    "SELECT t.pick_task_id, t.pick_sequence, b.bin_code, b.bin_barcode, NULLIF(z.zone_name, '') AS zone,"
    " NULLIF(b.aisle, '') AS aisle, b.row_num, b.level_num, i.sku, i.item_name, i.upc, t.quantity_to_pick,"
    " t.tote_number, (SELECT so.so_number FROM pick_task_shares s JOIN sales_orders so ON so.so_id = s.so_id"
    " WHERE s.pick_task_id = t.pick_task_id ORDER BY s.so_id LIMIT 1) AS so_number, t.status"
    " FROM pick_tasks t JOIN bins b ON b.bin_id = t.bin_id JOIN zones z ON z.zone_id = b.zone_id"
    " JOIN items i ON i.item_id = t.item_id"
)
# The walk path (F.7): bin pick sequence, ties by bin code.
_WALK = " ORDER BY t.pick_sequence, b.bin_code, t.pick_task_id"


async def batch_warehouse(pool: asyncpg.Pool, batch_id: int) -> int | None:
    value = await pool.fetchval("SELECT warehouse_id FROM pick_batches WHERE batch_id = $1", batch_id)
    return None if value is None else int(value)


async def batch_view(pool: asyncpg.Pool, batch_id: int) -> dict[str, Any] | None:
    async with pool.acquire() as connection:
        row = await connection.fetchrow(
            "SELECT batch_id, batch_number, status, warehouse_id FROM pick_batches WHERE batch_id = $1", batch_id
        )
        if row is None:
            return None
        orders = await connection.fetch(
            "SELECT so.so_id, so.so_number, o.tote_number,"
            " (SELECT count(*) FROM sales_order_lines l WHERE l.so_id = so.so_id) AS line_count"
            " FROM pick_batch_orders o JOIN sales_orders so ON so.so_id = o.so_id"
            " WHERE o.batch_id = $1 ORDER BY o.position",
            batch_id,
        )
        tasks = await connection.fetch(f"{_TASK} WHERE t.batch_id = $1{_WALK}", batch_id)
    return {
        **dict(row),
        "total_orders": len(orders),
        "total_items": sum(t["quantity_to_pick"] for t in tasks if t["status"] != "SKIPPED"),
        "orders": [dict(o) for o in orders],
        "tasks": [dict(t) for t in tasks],
    }


# The scanner asks for it before every pick: the batch's warehouse (for the access check), its first
# pending task, "pick n of m" and the orders sharing the task, in one round trip (the orders come back as
# (so_number, quantity) tuples; the task's columns are null when nothing is pending).
_NEXT = (
    "SELECT pb.warehouse_id, n.*, (SELECT count(*) FILTER (WHERE status IN ('PICKED', 'SHORT')) FROM pick_tasks"  # noqa: S608
    " WHERE batch_id = $1) AS done, (SELECT count(*) FILTER (WHERE status <> 'SKIPPED') FROM pick_tasks"
    " WHERE batch_id = $1) AS total, ARRAY(SELECT (so.so_number, sum(s.quantity)::int) FROM pick_task_shares s"
    " JOIN sales_orders so ON so.so_id = s.so_id WHERE s.pick_task_id = n.pick_task_id"
    " GROUP BY so.so_id, so.so_number ORDER BY so.so_id) AS contributing"
    f" FROM pick_batches pb LEFT JOIN LATERAL ({_TASK} WHERE t.batch_id = pb.batch_id AND t.status = 'PENDING'{_WALK}"
    " LIMIT 1) n ON true WHERE pb.batch_id = $1"
)


@dataclass(frozen=True)
class NextPick:
    warehouse_id: int
    task: dict[str, Any] | None  # None: nothing left to pick


async def next_pick(pool: asyncpg.Pool, batch_id: int) -> NextPick | None:
    """The first pending task on the walk, with "pick n of m" and the orders that share it; None: no such batch."""
    row = await pool.fetchrow(_NEXT, batch_id)
    if row is None:
        return None
    task = dict(row)
    warehouse_id = task.pop("warehouse_id")
    done, total, contributing = task.pop("done"), task.pop("total"), task.pop("contributing")
    if task["pick_task_id"] is None:
        return NextPick(warehouse_id, None)
    return NextPick(
        warehouse_id,
        {
            **task,
            "contributing_orders": [{"so_number": number, "quantity": quantity} for number, quantity in contributing],
            "pick_number": done + 1,
            "total_picks": total,
        },
    )


async def active_batch(pool: asyncpg.Pool, assigned_to: str) -> dict[str, Any]:
    row = await pool.fetchrow(
        "SELECT b.batch_id, b.created_at,"
        " (SELECT count(*) FROM pick_tasks t WHERE t.batch_id = b.batch_id AND t.status <> 'SKIPPED') AS total_picks,"
        " (SELECT count(*) FROM pick_tasks t WHERE t.batch_id = b.batch_id AND t.status IN ('PICKED', 'SHORT'))"
        " AS completed_picks, (SELECT count(*) FROM pick_batch_orders o WHERE o.batch_id = b.batch_id) AS total_orders"
        " FROM pick_batches b WHERE b.assigned_to = $1 AND b.status = 'OPEN'"
        " ORDER BY b.created_at DESC, b.batch_id DESC LIMIT 1",
        assigned_to,
    )
    if row is None:
        return {"active": False}
    return {"active": True, **dict(row), "created_at": row["created_at"].isoformat()}


async def wave_candidate(pool: asyncpg.Pool, barcode: str, warehouse_id: int) -> dict[str, Any] | None:
    """An order by barcode or number in the warehouse, with its line count, units and any active batch."""
    row = await pool.fetchrow(
        "SELECT so.so_id, so.so_number, so.status,"
        " (SELECT count(*) FROM sales_order_lines l WHERE l.so_id = so.so_id) AS line_count,"
        " (SELECT COALESCE(sum(l.quantity_ordered), 0) FROM sales_order_lines l WHERE l.so_id = so.so_id)::int"
        " AS total_units, (SELECT b.batch_id FROM pick_batch_orders o JOIN pick_batches b ON b.batch_id = o.batch_id"
        " WHERE o.so_id = so.so_id AND b.status = 'OPEN' ORDER BY b.batch_id DESC LIMIT 1) AS active_batch_id"
        " FROM sales_orders so WHERE (so.so_barcode = $1 OR so.so_number = $1) AND so.warehouse_id = $2"
        " ORDER BY so.so_id LIMIT 1",
        barcode,
        warehouse_id,
    )
    return None if row is None else dict(row)


async def available_to_promise(pool: asyncpg.Pool, warehouse_id: int, item_id: int | None) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT a.item_id, i.sku, a.quantity_on_hand, a.quantity_allocated, a.quantity_available"
        " FROM available_to_promise a JOIN items i ON i.item_id = a.item_id"
        " WHERE a.warehouse_id = $1 AND ($2::int IS NULL OR a.item_id = $2) ORDER BY i.sku",
        warehouse_id,
        item_id,
    )
    return [dict(r) for r in rows]


async def short_pick_report(pool: asyncpg.Pool, days: int, warehouse_id: int | None) -> list[dict[str, Any]]:
    """v1.7 H.4's report, newest first, at most 100 rows, from the short-pick read model; plus the count
    the short pick opened and how it settled the held units (`count_outcome` null: still held)."""
    rows = await pool.fetch(
        "SELECT p.pick_task_id AS log_id, p.reported_by AS user, i.sku, p.quantity_to_pick AS qty_expected,"
        " p.quantity_picked AS qty_picked, p.shortage, b.bin_code, p.batch_id, p.reported_at AS timestamp,"
        " p.count_id, p.count_outcome"
        " FROM short_picks p JOIN items i ON i.item_id = p.item_id JOIN bins b ON b.bin_id = p.bin_id"
        " WHERE p.reported_at > now() - make_interval(days => $1) AND ($2::int IS NULL OR p.warehouse_id = $2)"
        " ORDER BY p.reported_at DESC, p.pick_task_id DESC LIMIT 100",
        days,
        warehouse_id,
    )
    return [{**dict(r), "timestamp": r["timestamp"].isoformat()} for r in rows]
