"""Pick batches (classic and wave) and their tasks (v1.7 F.1-F.2, F.5-F.6).

Every task has shares: one per order line it serves (a classic task exactly
one, a wave task one per contributor), so picked and missing units are
credited to the lines that really get them, and cancelling any contributing
order takes out its own share (Part M 4 and 9 fixed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from canonical.errors import Conflict, DomainError
from inventory.domain.events import DomainEvent
from inventory.domain.orders.sales_order import SalesOrder
from inventory.domain.picking.allocation import Candidate, Take, after, allocate

WAVE_TOTE = "WAVE"
ACTIVE = "OPEN"


class BatchNotFound(DomainError):
    """v1.7 answers 400 (not 404) for an unknown batch on complete."""

    code = "batch_not_found"

    def __init__(self) -> None:
        super().__init__("Batch not found.", legacy_error="Batch not found")


class BatchFinished(Conflict):
    """A COMPLETED or CANCELLED batch never changes again (Part M 2 fixed)."""

    code = "batch_finished"

    def __init__(self, batch: PickBatch) -> None:
        text = f"Batch {batch.batch_number} is {batch.status}"
        super().__init__(f"{text}; it can no longer change.", legacy_error=text, status=batch.status)


class TasksPending(DomainError):
    code = "tasks_pending"

    def __init__(self, pending: int) -> None:
        text = f"Cannot complete batch: {pending} task(s) still pending"
        super().__init__(f"{text}.", legacy_error=text, pending=pending)


@dataclass(frozen=True)
class Share:
    so_id: int
    so_line_id: int
    quantity: int
    quantity_picked: int = 0
    short_quantity: int = 0


@dataclass(frozen=True)
class PickTask:
    pick_task_id: int
    item_id: int
    bin_id: int
    lot_number: str | None
    pick_sequence: int
    quantity_to_pick: int
    tote_number: str
    shares: tuple[Share, ...]
    quantity_picked: int = 0
    status: str = "PENDING"
    picked_by: str | None = None
    picked_at: str | None = None
    scan_confirmed: bool = False

    def state(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in self.__dict__.items() if k != "shares"},
            "shares": [s.__dict__ for s in self.shares],
        }


@dataclass(frozen=True)
class BatchOrder:
    so_id: int
    tote_number: str
    position: int


@dataclass(frozen=True)
class PickBatch:
    batch_id: int
    batch_number: str
    kind: str
    warehouse_id: int
    status: str
    assigned_to: str
    created_at: str
    orders: tuple[BatchOrder, ...]
    tasks: tuple[PickTask, ...]
    completed_at: str | None = None

    def task(self, pick_task_id: int) -> PickTask | None:
        return next((t for t in self.tasks if t.pick_task_id == pick_task_id), None)

    def pending(self) -> list[PickTask]:
        return [t for t in self.tasks if t.status == "PENDING"]

    def header(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in {"orders", "tasks"}}

    def require_open(self) -> None:
        if self.status != ACTIVE:
            raise BatchFinished(self)


def batch_event(
    kind: str,
    batch: PickBatch,
    tasks: Sequence[PickTask] = (),
    *,
    with_orders: bool = False,
    short_pick: Mapping[str, Any] | None = None,
) -> DomainEvent:
    """Header plus what changed: the projection upserts exactly the tasks an event names."""
    return DomainEvent(
        kind,
        {
            "batch": batch.header(),
            "orders": [o.__dict__ for o in batch.orders] if with_orders else [],
            "tasks": [t.state() for t in tasks],
            "short_pick": None if short_pick is None else dict(short_pick),
        },
    )


def with_tasks(batch: PickBatch, changed: Sequence[PickTask]) -> PickBatch:
    by_id = {t.pick_task_id: t for t in changed}
    return replace(batch, tasks=tuple(by_id.get(t.pick_task_id, t) for t in batch.tasks))


# --- planning a batch or wave -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedTask:
    take: Take
    tote_number: str
    shares: tuple[Share, ...]


@dataclass
class Plan:
    tasks: list[PlannedTask] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def allocated_per_order(self) -> dict[int, dict[int, int]]:
        """so_id -> so_line_id -> units allocated by this plan."""
        result: dict[int, dict[int, int]] = {}
        for task in self.tasks:
            for share in task.shares:
                lines = result.setdefault(share.so_id, {})
                lines[share.so_line_id] = lines.get(share.so_line_id, 0) + share.quantity
        return result


def totes(orders: Sequence[SalesOrder]) -> dict[int, str]:
    return {so.so_id: f"TOTE-{position}" for position, so in enumerate(orders, start=1)}


def plan_classic(orders: Sequence[SalesOrder], candidates: Sequence[Candidate], strategy: str) -> Plan:
    """Order by order (request order), line by line: one task per bin take, in the order's tote (F.5)."""
    plan, left, tote_of = Plan(), list(candidates), totes(orders)
    for so in orders:
        for line in so.lines_in_order():
            if line.need == 0:
                continue
            takes = allocate(line.need, (c for c in left if c.item_id == line.item_id), strategy)
            left = after(left, takes)
            for take in takes:
                share = Share(so.so_id, line.so_line_id, take.quantity)
                plan.tasks.append(PlannedTask(take, tote_of[so.so_id], (share,)))
    return plan


def _fill(take: Take, needs: list[list[int]]) -> tuple[Share, ...]:
    """Fill contributing lines in request order; `needs` rows are [so_id, so_line_id, remaining] (mutated)."""
    shares, left = [], take.quantity
    for row in needs:
        if left == 0:
            break
        quantity = min(left, row[2])
        if quantity:
            shares.append(Share(row[0], row[1], quantity))
            row[2] -= quantity
            left -= quantity
    return tuple(shares)


def plan_wave(
    orders: Sequence[SalesOrder], candidates: Sequence[Candidate], strategy: str, skus: Mapping[int, str]
) -> Plan:
    """Lines grouped by item across orders: one combined task per bin take, shared per line (F.6)."""
    plan = Plan()
    by_item: dict[int, list[list[int]]] = {}
    for so in orders:
        for line in so.lines_in_order():
            if line.need:
                by_item.setdefault(line.item_id, []).append([so.so_id, line.so_line_id, line.need])
    for item_id, needs in by_item.items():
        needed = sum(row[2] for row in needs)
        pool = [c for c in candidates if c.item_id == item_id]
        available = sum(c.available for c in pool if c.available > 0)
        if available < needed:
            plan.warnings.append({"sku": skus.get(item_id), "needed": needed, "available": available})
        for take in allocate(needed, pool, strategy):
            plan.tasks.append(PlannedTask(take, WAVE_TOTE, _fill(take, needs)))
    return plan


def new_batch(
    batch_id: int,
    kind: str,
    warehouse_id: int,
    orders: Sequence[SalesOrder],
    plan: Plan,
    task_ids: Sequence[int],
    actor: str,
    now: datetime,
) -> tuple[PickBatch, DomainEvent]:
    """Batch numbers carry the batch id, so two batches in one second never collide (Part M 17)."""
    prefix = "WAVE" if kind == "WAVE" else "BATCH"
    tote_of = totes(orders)
    tasks = tuple(
        PickTask(
            pick_task_id=task_id,
            item_id=planned.take.candidate.item_id,
            bin_id=planned.take.candidate.bin_id,
            lot_number=planned.take.candidate.lot_number,
            pick_sequence=planned.take.candidate.pick_sequence,
            quantity_to_pick=planned.take.quantity,
            tote_number=planned.tote_number,
            shares=planned.shares,
        )
        for planned, task_id in zip(plan.tasks, task_ids, strict=True)
    )
    batch = PickBatch(
        batch_id=batch_id,
        batch_number=f"{prefix}-{now:%Y%m%d-%H%M%S}-{batch_id}",
        kind=kind,
        warehouse_id=warehouse_id,
        status=ACTIVE,
        assigned_to=actor,
        created_at=now.isoformat(),
        orders=tuple(BatchOrder(so.so_id, tote_of[so.so_id], n) for n, so in enumerate(orders, start=1)),
        tasks=tasks,
    )
    return batch, batch_event("pick_batch.created", batch, tasks, with_orders=True)


def walk(batch: PickBatch) -> list[PickTask]:
    """The walk path: tasks by bin pick sequence (F.7); the serpentine lives in the sequence numbers."""
    return sorted(batch.tasks, key=lambda t: (t.pick_sequence, t.bin_id, t.pick_task_id))


def batch_stream(batch_id: int) -> str:
    return f"pick_batch-{batch_id}"
