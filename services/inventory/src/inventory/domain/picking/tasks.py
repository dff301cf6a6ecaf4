"""What happens to a batch on the floor: confirm, short, complete, cancel, and an order withdrawn (F.8-F.11).

Each decision returns the batch events plus the quantities the caller books
elsewhere (stock events, order lines), so a pick is one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from canonical.errors import DomainError
from inventory.domain.catalog.item import Item
from inventory.domain.events import DomainEvent
from inventory.domain.picking.batch import PickBatch, PickTask, TasksPending, batch_event, with_tasks

MAX_PICK_QUANTITY = 100_000


class PickTaskNotFound(DomainError):
    code = "pick_task_not_found"

    def __init__(self) -> None:
        super().__init__("Pick task not found.", legacy_error="Pick task not found")


class TaskNotPending(DomainError):
    code = "pick_task_not_pending"

    def __init__(self, task: PickTask) -> None:
        text = f"Task already {task.status}"
        super().__init__(f"{text}; only PENDING tasks can be picked.", legacy_error=text, status=task.status)


class OverPick(DomainError):
    code = "over_pick"

    def __init__(self, task: PickTask, quantity: int) -> None:
        text = f"Quantity {quantity} exceeds the {task.quantity_to_pick} to pick"
        super().__init__(f"{text}.", legacy_error=text, quantity_to_pick=task.quantity_to_pick)


class ShortAboveTask(DomainError):
    code = "short_above_task"

    def __init__(self, task: PickTask, available: int) -> None:
        text = f"quantity_available ({available}) exceeds the {task.quantity_to_pick} to pick; use confirm instead"
        super().__init__(f"{text}.", legacy_error=text, quantity_to_pick=task.quantity_to_pick)


class WrongItemScanned(DomainError):
    code = "wrong_item_scanned"

    def __init__(self, item: Item, scanned: str) -> None:
        text = f"Wrong item scanned. Expected {item.sku}"
        super().__init__(f"{text}.", legacy_error=text, expected_sku=item.sku, scanned_barcode=scanned)


@dataclass(frozen=True)
class TaskRefs:
    """Where a task sits, read before any lock: what it names never changes, and its orders only ever shrink."""

    batch_id: int
    so_ids: tuple[int, ...]
    bin_id: int
    item_id: int
    lot_number: str | None


@dataclass(frozen=True)
class Settled:
    """A task that left PENDING, and who gets what: per (so_id, so_line_id) picked and missing units."""

    task: PickTask
    event: DomainEvent
    picked: dict[tuple[int, int], int]
    shorted: dict[tuple[int, int], int]

    @property
    def shortage(self) -> int:
        return self.task.quantity_to_pick - self.task.quantity_picked


def _pending_task(batch: PickBatch, pick_task_id: int) -> PickTask:
    task = batch.task(pick_task_id)
    if task is None:
        raise PickTaskNotFound()
    if task.status != "PENDING":
        raise TaskNotPending(task)
    return task


def _settle(batch: PickBatch, task: PickTask, quantity: int, scanned: bool, actor: str, now: datetime) -> Settled:
    """Picked units go to the lowest order ids first (v1.7 F.9); the rest of each share is short."""
    left, shares = quantity, []
    for share in sorted(task.shares, key=lambda s: (s.so_id, s.so_line_id)):
        got = min(left, share.quantity)
        left -= got
        shares.append(replace(share, quantity_picked=got, short_quantity=share.quantity - got))
    short = quantity < task.quantity_to_pick
    settled = replace(
        task,
        shares=tuple(shares),
        quantity_picked=quantity,
        status="SHORT" if short else "PICKED",
        picked_by=actor,
        picked_at=now.isoformat(),
        scan_confirmed=scanned,
    )
    record: dict[str, Any] | None = None
    if short:
        record = {
            "pick_task_id": task.pick_task_id,
            "item_id": task.item_id,
            "bin_id": task.bin_id,
            "lot_number": task.lot_number,
            "quantity_to_pick": task.quantity_to_pick,
            "quantity_picked": quantity,
            "shortage": task.quantity_to_pick - quantity,
            "reported_by": actor,
            "reported_at": now.isoformat(),
        }
    kind = "pick_task.shorted" if short else "pick_task.confirmed"
    event = batch_event(kind, batch, [settled], short_pick=record)
    return Settled(
        settled,
        event,
        {(s.so_id, s.so_line_id): s.quantity_picked for s in shares if s.quantity_picked},
        {(s.so_id, s.so_line_id): s.short_quantity for s in shares if s.short_quantity},
    )


def confirm_pick(
    batch: PickBatch,
    pick_task_id: int,
    scanned: str,
    quantity: int,
    item: Item,
    *,
    accept_sku: bool,
    actor: str,
    now: datetime,
) -> Settled:
    """Scan-verified pick; fewer units than asked is a short pick with its record (Part M 4 fixed)."""
    task = _pending_task(batch, pick_task_id)
    batch.require_open()
    if not 1 <= quantity <= MAX_PICK_QUANTITY or quantity > task.quantity_to_pick:
        raise OverPick(task, quantity)
    if not item.matches_scan(scanned, accept_sku=accept_sku):
        raise WrongItemScanned(item, scanned)
    return _settle(batch, task, quantity, True, actor, now)


def short_pick(batch: PickBatch, pick_task_id: int, available: int, *, actor: str, now: datetime) -> Settled:
    task = _pending_task(batch, pick_task_id)
    batch.require_open()
    if not 0 <= available <= task.quantity_to_pick:
        raise ShortAboveTask(task, available)
    return _settle(batch, task, available, False, actor, now)


def complete_batch(batch: PickBatch, now: datetime) -> tuple[PickBatch, DomainEvent]:
    """Refused on a finished batch (409) and while tasks are pending (400)."""
    batch.require_open()
    pending = len(batch.pending())
    if pending:
        raise TasksPending(pending)
    done = replace(batch, status="COMPLETED", completed_at=now.isoformat())
    return done, batch_event("pick_batch.completed", done)


@dataclass
class Withdrawal:
    """Units to give back: allocation of pending work, and units already picked (back to their bin)."""

    events: list[DomainEvent] = field(default_factory=list)
    released: list[tuple[PickTask, int]] = field(default_factory=list)
    returned: list[tuple[PickTask, int]] = field(default_factory=list)
    per_line: dict[tuple[int, int], int] = field(default_factory=dict)


def cancel_batch(batch: PickBatch, now: datetime) -> tuple[PickBatch, Withdrawal]:
    """Pending tasks are SKIPPED and release their allocation, also on the order lines (Part M 3 fixed)."""
    batch.require_open()
    outcome = Withdrawal()
    skipped = [replace(t, status="SKIPPED") for t in batch.pending()]
    for task in skipped:
        outcome.released.append((task, task.quantity_to_pick))
        for share in task.shares:
            key = (share.so_id, share.so_line_id)
            outcome.per_line[key] = outcome.per_line.get(key, 0) + share.quantity
    cancelled = replace(with_tasks(batch, skipped), status="CANCELLED", completed_at=now.isoformat())
    outcome.events.append(batch_event("pick_batch.cancelled", cancelled, skipped))
    return cancelled, outcome


def withdraw_order(batch: PickBatch, so_id: int) -> Withdrawal:
    """A cancelled order leaves the batch: its pending shares are released, its picked units go back."""
    outcome = Withdrawal()
    changed: list[PickTask] = []
    for task in batch.tasks:
        mine = [s for s in task.shares if s.so_id == so_id]
        if not mine:
            continue
        if task.status == "PENDING":
            quantity = sum(s.quantity for s in mine)
            kept = tuple(s for s in task.shares if s.so_id != so_id)
            left = task.quantity_to_pick - quantity
            changed.append(replace(task, shares=kept, quantity_to_pick=left, status="PENDING" if left else "SKIPPED"))
            outcome.released.append((task, quantity))
        else:
            picked = sum(s.quantity_picked for s in mine)
            if picked:
                outcome.returned.append((task, picked))
    if changed:
        outcome.events.append(batch_event("pick_batch.order_withdrawn", with_tasks(batch, changed), changed))
    return outcome
