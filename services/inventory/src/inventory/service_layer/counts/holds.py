"""A short pick's count: opened in the short pick's transaction, and releasing the pick's hold when it
settles the held position (at submit, or at the review of that position's variance).

The release is an explicit `stock.released` on the stock stream plus `cycle_count.hold_released` on
the count's stream, recorded before the variance applies: the approval's removal then finds the
missing units free instead of promised.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from canonical.events.factory import CommandContext
from inventory.domain.counts.cycle_count import (
    CycleCount,
    ShortHold,
    Submission,
    count_stream,
    hold_released,
    open_count,
    outcome_at_submit,
    outcome_of_review,
)
from inventory.domain.picking.batch import PickTask
from inventory.domain.stock.adjustment import Adjustment
from inventory.domain.stock.ledger import Movement, release_stock, stock_stream
from inventory.service_layer.stock.positions import lock_stock_streams
from inventory.service_layer.unit_of_work import ControlUnitOfWork, PickFloorUnitOfWork, UnitOfWork

Place = tuple[int, int]  # (bin_id, item_id): one stock stream


async def open_short_count(
    uow: PickFloorUnitOfWork, task: PickTask, shortage: int, context: CommandContext, now: datetime
) -> int:
    """Called after the pick's stock booking, under its bin and stock locks: the snapshot sees the
    position the pick left (held units included, as they may still be on the shelf)."""
    bin_ = await uow.catalog.bin(task.bin_id)
    assert bin_ is not None  # a bin holding allocated stock cannot be deleted
    positions = await uow.counts.positions_in_bin(task.bin_id)
    [count_id] = await uow.counts.next_ids("cycle_count_id_seq", 1)
    line_ids = iter(await uow.counts.next_ids("count_line_id_seq", len(positions)))
    hold = ShortHold(task.pick_task_id, task.item_id, task.lot_number, shortage)
    event = open_count(count_id, str(uuid.uuid4()), bin_, positions, line_ids, context.actor, now, hold)
    await uow.record(count_stream(count_id), 0, [event], context)
    return count_id


async def _release(
    uow: UnitOfWork,
    count: CycleCount,
    outcome: str,
    count_version: int,
    stock_versions: dict[Place, int],
    context: CommandContext,
    now: datetime,
) -> None:
    """The caller holds the count's and the stock stream's locks and passes their versions."""
    hold = count.hold
    assert hold is not None
    scoped = replace(context, warehouse_id=count.warehouse_id)
    place = (count.bin_id, hold.item_id)
    position = await uow.stock.position(count.bin_id, hold.item_id, hold.lot_number)
    # Only the hold's own units: other orders' allocations in the same position stay promised.
    released = min(hold.quantity, 0 if position is None else position.allocated)
    if released:
        movement = Movement("short_pick_release", "cycle_count", str(count.count_id))
        event = release_stock(position, released, movement, now)
        await uow.record(stock_stream(*place), stock_versions[place], [event], scoped)
        stock_versions[place] += 1
    settled = hold_released(count, outcome, released, now)
    await uow.record(count_stream(count.count_id), count_version, [settled], scoped)


class HeldCounts:
    """The short-pick counts whose adjustments a review decides; their streams are locked before the
    items, bins and stock streams the review locks (the global order of positions.py)."""

    def __init__(self, uow: ControlUnitOfWork) -> None:
        self._uow = uow
        self._counts: dict[int, tuple[CycleCount, int]] = {}

    @classmethod
    async def lock(cls, uow: ControlUnitOfWork, adjustments: Iterable[Adjustment]) -> HeldCounts:
        held = cls(uow)
        for count_id in sorted({a.cycle_count_id for a in adjustments if a.cycle_count_id is not None}):
            version = await uow.lock_stream(count_stream(count_id))
            count = await uow.counts.count(count_id)
            if count is not None and count.hold is not None and count.hold.held:
                held._counts[count_id] = (count, version)
        return held

    def places(self) -> list[Place]:
        """The stock streams a release may append to: lock them with the review's own."""
        return [(count.bin_id, count.hold.item_id) for count, _ in self._counts.values() if count.hold is not None]

    async def settle(
        self,
        adjustment: Adjustment,
        approved: bool,
        stock_versions: dict[Place, int],
        context: CommandContext,
        now: datetime,
    ) -> None:
        """Before the decision reads the position: the approval then sees the released units as free."""
        entry = None if adjustment.cycle_count_id is None else self._counts.get(adjustment.cycle_count_id)
        if entry is None:
            return
        count, version = entry
        outcome = outcome_of_review(count, adjustment.item_id, adjustment.lot_number, approved)
        if outcome is not None:
            await _release(self._uow, count, outcome, version, stock_versions, context, now)
            del self._counts[count.count_id]


async def settle_at_submit(
    uow: ControlUnitOfWork, count_id: int, submission: Submission, context: CommandContext, now: datetime
) -> None:
    """After the submit and its auto-approval (which may have settled the hold already: re-read)."""
    version = await uow.lock_stream(count_stream(count_id))  # already held by the submit: re-entrant
    count = await uow.counts.count(count_id)
    if count is None or count.hold is None or (outcome := outcome_at_submit(count, submission)) is None:
        return
    stock_versions = await lock_stock_streams(uow, [(count.bin_id, count.hold.item_id)])
    await _release(uow, count, outcome, version, stock_versions, context, now)
