"""Pick batches and allocation candidates for command handlers, read under their locks."""

from __future__ import annotations

from collections.abc import Sequence

from canonical.db import Connection
from inventory.domain.picking.allocation import Candidate
from inventory.domain.picking.batch import BatchOrder, PickBatch, PickTask, Share

PICKABLE = ("Pickable", "PickableStaging")


_SEQUENCES = frozenset({"pick_batch_id_seq", "pick_task_id_seq"})


class PickingRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def next_id(self, sequence: str) -> int:
        if sequence not in _SEQUENCES:
            raise ValueError(f"unknown id sequence {sequence}")
        return int(await self._connection.fetchval(f"SELECT nextval('{sequence}')"))

    async def batch(self, batch_id: int) -> PickBatch | None:
        row = await self._connection.fetchrow(
            "SELECT batch_id, batch_number, kind, warehouse_id, status, assigned_to, created_at, completed_at"
            " FROM pick_batches WHERE batch_id = $1",
            batch_id,
        )
        if row is None:
            return None
        orders = await self._connection.fetch(
            "SELECT so_id, tote_number, position FROM pick_batch_orders WHERE batch_id = $1 ORDER BY position",
            batch_id,
        )
        tasks = await self._connection.fetch(
            "SELECT pick_task_id, item_id, bin_id, lot_number, pick_sequence, quantity_to_pick, tote_number,"
            " quantity_picked, status, picked_by, picked_at, scan_confirmed FROM pick_tasks WHERE batch_id = $1"
            " ORDER BY pick_task_id",
            batch_id,
        )
        shares = await self._connection.fetch(
            "SELECT s.pick_task_id, s.so_id, s.so_line_id, s.quantity, s.quantity_picked, s.short_quantity"
            " FROM pick_task_shares s JOIN pick_tasks t ON t.pick_task_id = s.pick_task_id WHERE t.batch_id = $1"
            " ORDER BY s.pick_task_id, s.so_id, s.so_line_id",
            batch_id,
        )
        by_task: dict[int, list[Share]] = {}
        for share in shares:
            values = dict(share)
            by_task.setdefault(values.pop("pick_task_id"), []).append(Share(**values))
        return PickBatch(
            batch_id=row["batch_id"],
            batch_number=row["batch_number"],
            kind=row["kind"],
            warehouse_id=row["warehouse_id"],
            status=row["status"],
            assigned_to=row["assigned_to"],
            created_at=row["created_at"].isoformat(),
            completed_at=None if row["completed_at"] is None else row["completed_at"].isoformat(),
            orders=tuple(BatchOrder(**dict(o)) for o in orders),
            tasks=tuple(
                PickTask(
                    **{
                        **dict(t),
                        "picked_at": None if t["picked_at"] is None else t["picked_at"].isoformat(),
                        "shares": tuple(by_task.get(t["pick_task_id"], ())),
                    }
                )
                for t in tasks
            ),
        )

    async def task_refs(self, pick_task_id: int) -> tuple[int, list[int]] | None:
        """(batch id, ids of the orders sharing it) of a task, read before any lock: both only ever shrink."""
        row = await self._connection.fetchrow(
            "SELECT t.batch_id, array_remove(array_agg(DISTINCT s.so_id), NULL) AS so_ids FROM pick_tasks t"
            " LEFT JOIN pick_task_shares s ON s.pick_task_id = t.pick_task_id WHERE t.pick_task_id = $1"
            " GROUP BY t.batch_id",
            pick_task_id,
        )
        return None if row is None else (row["batch_id"], list(row["so_ids"]))

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
