"""When a short pick's count settles its hold, without I/O."""

from dataclasses import replace
from datetime import UTC, datetime
from itertools import count

from inventory.domain.catalog.bin import Bin
from inventory.domain.counts.cycle_count import (
    ADJUSTED,
    MATCHED,
    REJECTED,
    UNCOUNTED,
    CountedLine,
    CountLine,
    CycleCount,
    ShortHold,
    Submission,
    hold_released,
    open_count,
    outcome_at_submit,
    outcome_of_review,
    submit_count,
)
from inventory.domain.stock.ledger import Position

NOW = datetime(2026, 1, 1, tzinfo=UTC)
BIN = Bin(3, "33333333-0000-4000-8000-000000000003", 1, 1, "A-01", "A-01")
HOLD = ShortHold(pick_task_id=9, item_id=2, lot_number="L1", quantity=3)


def _count(hold: ShortHold | None = HOLD) -> CycleCount:
    lines = (CountLine(10, 1, None, 50), CountLine(11, 2, "L1", 7))
    return CycleCount(5, "c0ffee00-0000-4000-8000-000000000005", 1, 3, "PENDING", "picker", lines, hold)


def _submit(*lines: CountedLine) -> Submission:
    adjustment_ids = ((n, f"00000000-0000-4000-8000-{n:012d}") for n in count(900))
    return submit_count(_count(), lines, count(100), adjustment_ids, "counter", NOW)


def test_a_short_pick_count_names_its_hold_and_a_plain_count_does_not() -> None:
    positions = [Position(1, 3, 2, "L1", 7, 3)]
    short = open_count(5, "x", BIN, positions, count(1), "picker", NOW, HOLD)
    assert short.data["short_pick"] == {"pick_task_id": 9, "item_id": 2, "lot_number": "L1", "quantity_held": 3}
    assert "short_pick" not in open_count(6, "y", BIN, positions, count(1), "counter", NOW).data


def test_the_held_position_settles_at_submit_only_without_variance() -> None:
    assert outcome_at_submit(_count(), _submit(CountedLine(7, count_line_id=11))) == MATCHED
    assert outcome_at_submit(_count(), _submit(CountedLine(4, count_line_id=11))) is None  # waits for review
    # The count closes without the held line counted: nothing will ever settle it later.
    assert outcome_at_submit(_count(), _submit(CountedLine(50, count_line_id=10))) == UNCOUNTED
    assert outcome_at_submit(_count(None), _submit(CountedLine(7, count_line_id=11))) is None


def test_only_the_review_of_the_held_position_settles_it_and_only_once() -> None:
    assert outcome_of_review(_count(), 2, "L1", approved=True) == ADJUSTED
    assert outcome_of_review(_count(), 2, "L1", approved=False) == REJECTED
    assert outcome_of_review(_count(), 1, None, approved=True) is None
    assert outcome_of_review(_count(), 2, None, approved=True) is None  # another lot of the item
    settled = _count(replace(HOLD, outcome=ADJUSTED))
    assert outcome_of_review(settled, 2, "L1", approved=True) is None


def test_the_release_event_carries_the_outcome_and_what_was_released() -> None:
    event = hold_released(_count(), MATCHED, 3, NOW)
    assert event.event_type == "cycle_count.hold_released"
    assert (event.data["pick_task_id"], event.data["quantity_released"], event.data["outcome"]) == (9, 3, MATCHED)
