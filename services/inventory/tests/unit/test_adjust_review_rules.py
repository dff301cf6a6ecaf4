"""Reviewing a pending adjustment, without I/O: deltas, floors, separation of duties, outgoing events."""

from datetime import UTC, datetime

import pytest

from inventory.domain.catalog.bin import Bin
from inventory.domain.catalog.item import Item
from inventory.domain.stock.adjustment import (
    Adjustment,
    CountEvidence,
    SelfApprovalRefused,
    approve_adjustment,
    refuse_self_approval,
    reject_adjustment,
)
from inventory.domain.stock.ledger import Position

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ITEM = Item(7, "11111111-0000-4000-8000-000000000007", "SKU-7", "Seven", "t", "t")
BIN = Bin(3, "33333333-0000-4000-8000-000000000003", 1, 1, "A-01", "A-01")
EVIDENCE = CountEvidence("55555555-0000-4000-8000-000000000005", 55, 50, "counter", NOW)


def _adjustment(change: int, cycle_count_id: int | None = None, by: str = "counter") -> Adjustment:
    return Adjustment(
        9, "99999999-0000-4000-8000-000000000009", 1, 3, 7, None, change, "CYCLE_COUNT", "PENDING", by, cycle_count_id
    )


def _position(on_hand: int, allocated: int = 0) -> Position:
    return Position(1, 3, 7, None, on_hand, allocated)


def test_a_positive_count_variance_adds_stock_and_emits_the_sentry_field_set() -> None:
    review = approve_adjustment(_adjustment(5, 4), ITEM, BIN, _position(50), EVIDENCE, "boss", NOW)
    assert review.stock is not None
    assert (review.stock.event_type, review.stock.data["quantity"]) == ("stock.added", 5)
    reviewed, adjusted = review.events
    assert (reviewed.event_type, reviewed.data["status"], reviewed.data["quantity_applied"]) == (
        "adjustment.reviewed",
        "APPROVED",
        5,
    )
    assert adjusted.event_type == "cycle_count.adjusted"
    assert adjusted.data == {
        "cycle_count_external_id": EVIDENCE.cycle_count_external_id,
        "item_external_id": ITEM.external_id,
        "bin_external_id": BIN.external_id,
        "counted_quantity": 55,
        "system_quantity": 50,
        "quantity_delta": 5,
        "counted_by_user_external_id": "counter",
        "counted_at": "2026-01-01T00:00:00Z",
    }


def test_an_adjustment_without_a_count_goes_out_as_adjustment_applied_by_the_approver() -> None:
    review = approve_adjustment(_adjustment(-3), ITEM, BIN, _position(10), None, "boss", NOW)
    applied = review.events[1]
    assert applied.event_type == "adjustment.applied"
    assert (applied.data["quantity_delta"], applied.data["applied_by_user_external_id"]) == (-3, "boss")


@pytest.mark.parametrize(
    ("position", "applied"),
    [(_position(10), -10), (_position(10, 4), -6), (None, 0), (_position(30), -20)],
)
def test_a_removal_takes_only_free_units_and_never_goes_below_zero(position: Position | None, applied: int) -> None:
    review = approve_adjustment(_adjustment(-20), ITEM, BIN, position, None, "boss", NOW)
    assert review.quantity_applied == applied
    assert (review.stock is None) == (applied == 0)
    assert review.events[1].data["quantity_delta"] == applied


def test_self_approval_of_a_count_is_refused_only_when_separation_is_required() -> None:
    own = _adjustment(5, 4, by="boss")
    with pytest.raises(SelfApprovalRefused) as refused:
        refuse_self_approval(own, "approve", "boss", separation_required=True)
    assert refused.value.status == 403
    assert refused.value.body()["error"] == "Cannot approve your own cycle count"
    assert refuse_self_approval(own, "approve", "boss", separation_required=False) is True
    assert refuse_self_approval(own, "reject", "boss", separation_required=True) is False
    assert refuse_self_approval(_adjustment(5, 4), "approve", "boss", separation_required=True) is False
    assert refuse_self_approval(_adjustment(5, by="boss"), "approve", "boss", separation_required=True) is False


def test_a_rejection_moves_nothing_and_tells_no_integration() -> None:
    review = reject_adjustment(_adjustment(5, 4), "boss", NOW)
    assert review.stock is None
    assert [e.event_type for e in review.events] == ["adjustment.reviewed"]
    assert review.events[0].data["status"] == "REJECTED"
