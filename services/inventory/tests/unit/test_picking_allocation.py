"""Allocation strategies, and the property that competing orders never over-allocate (pure domain)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.domain.picking.allocation import Candidate, after, allocate

T0 = "2026-01-01T00:00:00+00:00"


def spot(bin_id: int, available: int, sequence: int, *, lot: str | None = None, expiry: str | None = None) -> Candidate:
    return Candidate(bin_id, 1, lot, available, sequence, T0, expiry)


def test_pick_sequence_walks_the_bins_and_leaves_shortfall_unallocated() -> None:
    takes = allocate(12, [spot(3, 5, 300), spot(1, 4, 100), spot(2, 0, 50), spot(4, 2, 100)], "pick_sequence")
    assert [(t.candidate.bin_id, t.quantity) for t in takes] == [(1, 4), (4, 2), (3, 5)]
    assert sum(t.quantity for t in takes) == 11


def test_the_older_position_goes_first_within_one_sequence() -> None:
    older = Candidate(7, 1, None, 3, 100, "2025-01-01T00:00:00+00:00")
    takes = allocate(3, [spot(6, 3, 100), older], "pick_sequence")
    assert [t.candidate.bin_id for t in takes] == [7]


def test_fefo_takes_the_earliest_expiry_first_and_undated_lots_last() -> None:
    lots = [
        spot(1, 5, 100, lot="L-undated"),
        spot(2, 5, 900, lot="L-march", expiry="2027-03-01"),
        spot(3, 5, 500, lot="L-january", expiry="2027-01-15"),
    ]
    takes = allocate(12, lots, "fefo")
    assert [(t.candidate.lot_number, t.quantity) for t in takes] == [("L-january", 5), ("L-march", 5), ("L-undated", 2)]
    assert allocate(12, lots, "pick_sequence")[0].candidate.lot_number == "L-undated"


positions = st.lists(
    st.builds(
        Candidate,
        bin_id=st.integers(1, 6),
        item_id=st.just(1),
        lot_number=st.sampled_from([None, "L1", "L2"]),
        available=st.integers(0, 20),
        pick_sequence=st.integers(0, 5),
        updated_at=st.just(T0),
        expiry_date=st.sampled_from([None, "2027-01-01", "2027-06-01"]),
    ),
    max_size=8,
    unique_by=lambda c: (c.bin_id, c.lot_number),
)


@settings(max_examples=300, deadline=None)
@given(positions, st.lists(st.integers(1, 30), min_size=1, max_size=12), st.sampled_from(["pick_sequence", "fefo"]))
def test_orders_competing_for_one_sku_never_over_allocate(
    stock: list[Candidate], needs: list[int], strategy: str
) -> None:
    left = list(stock)
    taken: dict[tuple[int, str | None], int] = {}
    for need in needs:
        takes = allocate(need, left, strategy)
        granted = sum(t.quantity for t in takes)
        assert granted == min(need, sum(c.available for c in left))  # greedy: all it can, never more than asked
        assert all(t.quantity > 0 for t in takes)
        for take in takes:
            key = (take.candidate.bin_id, take.candidate.lot_number)
            taken[key] = taken.get(key, 0) + take.quantity
        left = after(left, takes)
    for c in stock:
        assert taken.get((c.bin_id, c.lot_number), 0) <= c.available
    assert all(c.available >= 0 for c in left)
    assert sum(taken.values()) == min(sum(needs), sum(c.available for c in stock))
