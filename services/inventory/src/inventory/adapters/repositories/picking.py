"""Pick batches and allocation candidates for command handlers, read under their locks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inventory.adapters.repositories.sequences import SequencedRepository
from inventory.domain.picking.allocation import Candidate
from inventory.domain.picking.batch import BatchOrder, PickBatch, PickTask, Share
from inventory.domain.picking.tasks import TaskRefs

PICKABLE = ("Pickable", "PickableStaging")


# Column order follows the dataclasses (BatchOrder, PickTask without shares, Share after its task id).
_ORDER_COLUMNS = "so_id, tote_number, position"
_TASK_COLUMNS = (
    "pick_task_id, item_id, bin_id, lot_number, pick_sequence, quantity_to_pick, tote_number, quantity_picked,"
    " status, picked_by, picked_at, scan_confirmed"
)
_TASK_FIELDS = tuple(column.strip() for column in _TASK_COLUMNS.split(","))
_SHARE_COLUMNS = "s.pick_task_id, s.so_id, s.so_line_id, s.quantity, s.quantity_picked, s.short_quantity"
_BATCH = (
    "SELECT b.batch_id, b.batch_number, b.kind, b.warehouse_id, b.status, b.assigned_to, b.created_at,"  # noqa: S608
    f" b.completed_at, ARRAY(SELECT ({_ORDER_COLUMNS}) FROM pick_batch_orders o WHERE o.batch_id = b.batch_id"
    f" ORDER BY position) AS orders, ARRAY(SELECT ({_TASK_COLUMNS}) FROM pick_tasks t WHERE t.batch_id = b.batch_id"
    f" ORDER BY pick_task_id) AS tasks, ARRAY(SELECT ({_SHARE_COLUMNS}) FROM pick_task_shares s"
    # Shares by their key, the batch's task ids listed first: a join on pick_tasks let the planner hash
    # the whole shares table (a sequential scan, 1-2 ms per confirm once a few thousand tasks exist).
    " WHERE s.pick_task_id = ANY(ARRAY(SELECT t.pick_task_id FROM pick_tasks t WHERE t.batch_id = b.batch_id))"
    " ORDER BY s.pick_task_id, s.so_id, s.so_line_id) AS shares FROM pick_batches b WHERE b.batch_id = $1"
)


def _task(values: tuple[Any, ...], shares: tuple[Share, ...]) -> PickTask:
    task = dict(zip(_TASK_FIELDS, values, strict=True))
    picked_at = task["picked_at"]
    task["picked_at"] = None if picked_at is None else picked_at.isoformat()
    return PickTask(**task, shares=shares)


class PickingRepository(SequencedRepository):
    SEQUENCES = frozenset({"pick_batch_id_seq", "pick_task_id_seq"})

    async def batch(self, batch_id: int) -> PickBatch | None:
        """The batch with its orders, tasks and shares in one round trip (rows come back as tuples)."""
        row = await self._connection.fetchrow(_BATCH, batch_id)
        if row is None:
            return None
        by_task: dict[int, list[Share]] = {}
        for pick_task_id, *share in row["shares"]:
            by_task.setdefault(pick_task_id, []).append(Share(*share))
        return PickBatch(
            batch_id=row["batch_id"],
            batch_number=row["batch_number"],
            kind=row["kind"],
            warehouse_id=row["warehouse_id"],
            status=row["status"],
            assigned_to=row["assigned_to"],
            created_at=row["created_at"].isoformat(),
            completed_at=None if row["completed_at"] is None else row["completed_at"].isoformat(),
            orders=tuple(BatchOrder(*order) for order in row["orders"]),
            tasks=tuple(_task(values, tuple(by_task.get(values[0], ()))) for values in row["tasks"]),
        )

    async def task_refs(self, pick_task_id: int) -> TaskRefs | None:
        row = await self._connection.fetchrow(
            "SELECT t.batch_id, array_remove(array_agg(DISTINCT s.so_id), NULL) AS so_ids, t.bin_id, t.item_id,"
            " t.lot_number FROM pick_tasks t LEFT JOIN pick_task_shares s ON s.pick_task_id = t.pick_task_id"
            " WHERE t.pick_task_id = $1 GROUP BY t.pick_task_id",
            pick_task_id,
        )
        return None if row is None else TaskRefs(**{**dict(row), "so_ids": tuple(row["so_ids"])})

    async def batches_of_order(self, so_id: int) -> list[int]:
        rows = await self._connection.fetch(
            "SELECT batch_id FROM pick_batch_orders WHERE so_id = $1 ORDER BY batch_id", so_id
        )
        return [r["batch_id"] for r in rows]

    async def active_batch_of(self, so_id: int) -> int | None:
        value = await self._connection.fetchval(
            "SELECT b.batch_id FROM pick_batch_orders o JOIN pick_batches b ON b.batch_id = o.batch_id"
            " WHERE o.so_id = $1 AND b.status = 'OPEN' ORDER BY b.batch_id DESC LIMIT 1",
            so_id,
        )
        return None if value is None else int(value)

    async def candidates(self, warehouse_id: int, item_ids: Sequence[int]) -> list[Candidate]:
        """Positions with free units in pickable bins (F.3 step 1); staging stock awaits put-away."""
        rows = await self._connection.fetch(
            "SELECT s.bin_id, s.item_id, s.lot_number, s.quantity_on_hand - s.quantity_allocated AS available,"
            " b.pick_sequence, s.updated_at, s.expiry_date FROM stock s JOIN bins b ON b.bin_id = s.bin_id"
            " WHERE s.warehouse_id = $1 AND s.item_id = ANY($2::int[]) AND b.bin_type = ANY($3::text[])"
            " AND s.quantity_on_hand > s.quantity_allocated",
            warehouse_id,
            list(item_ids),
            list(PICKABLE),
        )
        return [
            Candidate(
                **{
                    **dict(r),
                    "updated_at": r["updated_at"].isoformat(),
                    "expiry_date": None if r["expiry_date"] is None else r["expiry_date"].isoformat(),
                }
            )
            for r in rows
        ]
