"""A cycle count of one bin (v1.7 H.2).

Opening takes a snapshot of the bin's positions (on-hand, allocation ignored).
Submitting records what was counted; the stock is never changed by a submit:
each variance becomes a PENDING adjustment that a reviewer approves or rejects.

A short pick opens a count of its bin that carries the pick's hold (the missing
units, still allocated so nobody is promised them). The count settles the hold
when it settles the held position: at submit when the count found no variance
there (or did not count it), else when its adjustment is reviewed, released
before the variance applies so the removal can take those units.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from canonical.errors import DomainError
from inventory.domain.catalog.bin import Bin
from inventory.domain.events import DomainEvent
from inventory.domain.stock.adjustment import CYCLE_COUNT, pending_adjustment
from inventory.domain.stock.ledger import MAX_QUANTITY, Place, Position

PENDING, IN_PROGRESS, COMPLETED, VARIANCE = "PENDING", "IN_PROGRESS", "COMPLETED", "VARIANCE"
OPEN_STATES = frozenset({PENDING, IN_PROGRESS})  # IN_PROGRESS is accepted but never assigned (v1.7)


# How a short pick's hold ended; None on the count while the units are still held.
MATCHED, ADJUSTED, REJECTED, UNCOUNTED = "MATCHED", "ADJUSTED", "REJECTED", "UNCOUNTED"


class CountClosed(DomainError):
    code = "count_not_open"

    def __init__(self, status: str) -> None:
        text = f"Count is {status}; only PENDING or IN_PROGRESS counts can be submitted"
        super().__init__(f"{text}.", legacy_error=text, status=status)


class InvalidCountLine(DomainError):
    code = "invalid_count_line"


@dataclass(frozen=True)
class CountLine:
    count_line_id: int
    item_id: int
    lot_number: str | None
    expected_quantity: int
    counted_quantity: int | None = None
    scanned: bool = False
    unexpected: bool = False
    adjustment_id: int | None = None

    @property
    def variance(self) -> int | None:
        return None if self.counted_quantity is None else self.counted_quantity - self.expected_quantity


@dataclass(frozen=True)
class ShortHold:
    """Units a short pick left allocated in the counted bin until the count says whether they exist."""

    pick_task_id: int
    item_id: int
    lot_number: str | None
    quantity: int
    outcome: str | None = None

    @property
    def held(self) -> bool:
        return self.outcome is None


@dataclass(frozen=True)
class CycleCount:
    count_id: int
    external_id: str
    warehouse_id: int
    bin_id: int
    status: str
    assigned_to: str
    lines: tuple[CountLine, ...] = ()
    hold: ShortHold | None = None


@dataclass(frozen=True)
class CountedLine:
    """One line of a submission: a snapshot line by id, or an unexpected find by item."""

    counted_quantity: int
    count_line_id: int | None = None
    unexpected: bool = False
    item_id: int | None = None


def open_count(
    count_id: int,
    external_id: str,
    bin_: Bin,
    positions: Sequence[Position],
    line_ids: Iterator[int],
    actor: str,
    now: datetime,
    hold: ShortHold | None = None,
) -> DomainEvent:
    """One line per position with stock (several lots of an item give several lines); an empty bin, none.

    A short pick's count names its hold (the missing units stay allocated, so their position is counted)."""
    snapshot = sorted((p for p in positions if p.on_hand > 0), key=lambda p: (p.item_id, p.lot_number or ""))
    origin: dict[str, Any] = {}
    if hold is not None:
        origin = {
            "short_pick": {
                "pick_task_id": hold.pick_task_id,
                "item_id": hold.item_id,
                "lot_number": hold.lot_number,
                "quantity_held": hold.quantity,
            }
        }
    return DomainEvent(
        "cycle_count.created",
        {
            **origin,
            "count_id": count_id,
            "external_id": external_id,
            "warehouse_id": bin_.warehouse_id,
            "bin_id": bin_.bin_id,
            "assigned_to": actor,
            "created_at": now.isoformat(),
            "lines": [
                {
                    "count_line_id": next(line_ids),
                    "item_id": p.item_id,
                    "lot_number": p.lot_number,
                    "expected_quantity": p.on_hand,
                }
                for p in snapshot
            ],
        },
    )


@dataclass(frozen=True)
class Submission:
    counted: list[CountLine]  # every submitted line, in request order, with its adjustment id
    events: list[DomainEvent]  # the count's own event
    adjustments: list[DomainEvent]  # one `adjustment.recorded` (PENDING) per line with a variance
    status: str


def _counted_lines(count: CycleCount, submitted: Sequence[CountedLine], new_line_ids: Iterator[int]) -> list[CountLine]:
    by_id = {line.count_line_id: line for line in count.lines}
    seen: set[int] = set()
    counted: list[CountLine] = []
    for entry in submitted:
        if not 0 <= entry.counted_quantity <= MAX_QUANTITY:
            raise InvalidCountLine(f"counted_quantity must be between 0 and {MAX_QUANTITY}.")
        if entry.unexpected:
            if entry.item_id is None:
                raise InvalidCountLine(
                    "item_id is required for unexpected lines.", legacy_error="item_id required for unexpected lines"
                )
            line = CountLine(next(new_line_ids), entry.item_id, None, 0, unexpected=True)
        else:
            found = by_id.get(entry.count_line_id) if entry.count_line_id is not None else None
            if found is None:
                text = f"Count line {entry.count_line_id} is not on this count"
                raise InvalidCountLine(f"{text}.", legacy_error=text, count_line_id=entry.count_line_id)
            if found.count_line_id in seen:
                raise InvalidCountLine(f"Count line {found.count_line_id} is submitted twice.")
            seen.add(found.count_line_id)
            line = found
        counted.append(replace(line, counted_quantity=entry.counted_quantity, scanned=True))
    return counted


def submit_count(
    count: CycleCount,
    submitted: Sequence[CountedLine],
    new_line_ids: Iterator[int],
    adjustment_ids: Iterator[tuple[int, str]],
    actor: str,
    now: datetime,
) -> Submission:
    """Lines not submitted stay uncounted (not zero). Every variance becomes a PENDING adjustment."""
    if count.status not in OPEN_STATES:
        raise CountClosed(count.status)
    if not submitted:
        raise InvalidCountLine("lines must name at least one counted line.")
    counted: list[CountLine] = []
    adjustments: list[DomainEvent] = []
    for line in _counted_lines(count, submitted, new_line_ids):
        if line.variance:
            adjustment_id, external_id = next(adjustment_ids)
            variance = line.variance
            detail = f"Cycle count: expected {line.expected_quantity}, counted {line.counted_quantity}"
            place = Place(count.warehouse_id, count.bin_id, line.item_id)
            adjustments.append(
                pending_adjustment(
                    adjustment_id,
                    external_id,
                    place,
                    line.lot_number,
                    variance,
                    CYCLE_COUNT,
                    detail,
                    actor,
                    now,
                    count.count_id,
                )
            )
            line = replace(line, adjustment_id=adjustment_id)
        counted.append(line)
    status = VARIANCE if any(line.variance for line in counted) else COMPLETED
    event = DomainEvent(
        "cycle_count.submitted",
        {
            "count_id": count.count_id,
            "status": status,
            "submitted_by": actor,
            "completed_at": now.isoformat(),
            "lines": [
                {
                    "count_line_id": line.count_line_id,
                    "item_id": line.item_id,
                    "lot_number": line.lot_number,
                    "expected_quantity": line.expected_quantity,
                    "counted_quantity": line.counted_quantity,
                    "scanned": line.scanned,
                    "unexpected": line.unexpected,
                    "adjustment_id": line.adjustment_id,
                }
                for line in counted
            ],
        },
    )
    return Submission(counted, [event], adjustments, status)


def _holds(count: CycleCount, item_id: int, lot_number: str | None) -> ShortHold | None:
    hold = count.hold
    if hold is None or not hold.held or (hold.item_id, hold.lot_number) != (item_id, lot_number):
        return None
    return hold


def outcome_at_submit(count: CycleCount, submission: Submission) -> str | None:
    """A held position counted without variance (or left uncounted: the count is closed either way)
    settles now; a variance waits for its review. None: nothing to settle at submit."""
    if count.hold is None or not count.hold.held:
        return None
    for line in submission.counted:
        if _holds(count, line.item_id, line.lot_number) is not None and not line.unexpected:
            return None if line.adjustment_id is not None else MATCHED
    return UNCOUNTED


def outcome_of_review(count: CycleCount, item_id: int, lot_number: str | None, approved: bool) -> str | None:
    """The review of the held position's variance settles the hold; any other line's review does not."""
    if _holds(count, item_id, lot_number) is None:
        return None
    return ADJUSTED if approved else REJECTED


def hold_released(count: CycleCount, outcome: str, released: int, now: datetime) -> DomainEvent:
    """`released` may be below the hold only if the allocation was already smaller (nothing is released twice)."""
    assert count.hold is not None
    assert count.hold.held
    return DomainEvent(
        "cycle_count.hold_released",
        {
            "count_id": count.count_id,
            "pick_task_id": count.hold.pick_task_id,
            "bin_id": count.bin_id,
            "item_id": count.hold.item_id,
            "lot_number": count.hold.lot_number,
            "quantity_released": released,
            "outcome": outcome,
            "released_at": now.isoformat(),
        },
    )


def count_stream(count_id: int) -> str:
    return f"cycle-count-{count_id}"
