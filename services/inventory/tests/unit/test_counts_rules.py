"""Cycle-count rules, without I/O: snapshot, submit, variances."""

from datetime import UTC, datetime
from itertools import count

import pytest

from inventory.domain.catalog.bin import Bin
from inventory.domain.counts.cycle_count import (
    CountClosed,
    CountedLine,
    CountLine,
    CycleCount,
    InvalidCountLine,
    open_count,
    submit_count,
)
from inventory.domain.stock.ledger import Position

NOW = datetime(2026, 1, 1, tzinfo=UTC)
BIN = Bin(3, "33333333-0000-4000-8000-000000000003", 1, 1, "A-01", "A-01")


def _count(status: str = "PENDING") -> CycleCount:
    lines = (CountLine(10, 1, None, 50), CountLine(11, 2, "L1", 7))
    return CycleCount(5, "c0ffee00-0000-4000-8000-000000000005", 1, 3, status, "counter", lines)


def _ids() -> "count[int]":
    return count(100)


def _adjustment_ids() -> "map[tuple[int, str]]":
    return map(lambda n: (n, f"00000000-0000-4000-8000-{n:012d}"), count(900))


def test_the_snapshot_has_one_line_per_stocked_position_and_ignores_allocation() -> None:
    positions = [Position(1, 3, 2, "L1", 7, 7), Position(1, 3, 1, None, 50, 0), Position(1, 3, 4, None, 0, 0)]
    event = open_count(5, "x", BIN, positions, count(1), "counter", NOW)
    assert event.event_type == "cycle_count.created"
    assert [(x["item_id"], x["lot_number"], x["expected_quantity"]) for x in event.data["lines"]] == [
        (1, None, 50),
        (2, "L1", 7),
    ]
    assert open_count(6, "y", BIN, [], count(1), "counter", NOW).data["lines"] == []


def test_exact_counts_complete_without_adjustments() -> None:
    submission = submit_count(_count(), [CountedLine(50, 10), CountedLine(7, 11)], _ids(), _adjustment_ids(), "c", NOW)
    assert submission.status == "COMPLETED"
    assert submission.adjustments == []


def test_each_variance_becomes_a_pending_cycle_count_adjustment() -> None:
    submitted = [CountedLine(47, 10), CountedLine(2, unexpected=True, item_id=9)]
    submission = submit_count(_count(), submitted, _ids(), _adjustment_ids(), "c", NOW)
    assert submission.status == "VARIANCE"
    changes = [(a.data["item_id"], a.data["quantity_change"], a.data["status"]) for a in submission.adjustments]
    assert changes == [(1, -3, "PENDING"), (9, 2, "PENDING")]
    assert {a.data["reason_code"] for a in submission.adjustments} == {"CYCLE_COUNT"}
    assert {a.data["cycle_count_id"] for a in submission.adjustments} == {5}
    unexpected = submission.counted[1]
    assert (unexpected.count_line_id, unexpected.expected_quantity, unexpected.unexpected) == (100, 0, True)
    # Line 11 was not submitted: it stays uncounted, it is not a zero.
    assert [line["count_line_id"] for line in submission.events[0].data["lines"]] == [10, 100]


@pytest.mark.parametrize(
    ("submitted", "message"),
    [
        ([CountedLine(1, 99)], "Count line 99 is not on this count"),
        ([CountedLine(1, unexpected=True)], "item_id required for unexpected lines"),
        ([CountedLine(1, 10), CountedLine(2, 10)], None),
        ([], None),
    ],
)
def test_bad_submissions_are_refused(submitted: list[CountedLine], message: str | None) -> None:
    with pytest.raises(InvalidCountLine) as refused:
        submit_count(_count(), submitted, _ids(), _adjustment_ids(), "c", NOW)
    if message is not None:
        assert refused.value.body()["error"] == message


@pytest.mark.parametrize("status", ["COMPLETED", "VARIANCE"])
def test_a_finished_count_cannot_be_submitted_again(status: str) -> None:
    with pytest.raises(CountClosed):
        submit_count(_count(status), [CountedLine(50, 10)], _ids(), _adjustment_ids(), "c", NOW)


def test_in_progress_is_accepted_for_submission() -> None:
    assert (
        submit_count(_count("IN_PROGRESS"), [CountedLine(50, 10)], _ids(), _adjustment_ids(), "c", NOW).status
        == "COMPLETED"
    )
