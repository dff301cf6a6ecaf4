"""Folding a batch of logged events into the snapshot's position changes."""

from typing import Any

from dispatcher.domain.stock_positions import Delta, PositionChanges, PositionKey


def stock(event_type: str, quantity: int, *, bin_id: int = 1, lot: str | None = None) -> tuple[str, dict[str, Any]]:
    return event_type, {"warehouse_id": 7, "bin_id": bin_id, "item_id": 3, "quantity": quantity, "lot_number": lot}


def test_stock_events_sum_per_position_and_lot() -> None:
    changes = PositionChanges.of(
        [
            stock("stock.added", 10),
            stock("stock.allocated", 4),
            stock("stock.removed", 3),
            stock("stock.released", 1),
            stock("stock.added", 5, lot="L1"),
            stock("stock.added", 2, bin_id=2),
        ]
    )
    assert changes.deltas == {
        PositionKey(7, 3, 1, None): Delta(7, 3),
        PositionKey(7, 3, 1, "L1"): Delta(5, 0),
        PositionKey(7, 3, 2, None): Delta(2, 0),
    }


def test_a_batch_that_cancels_out_writes_nothing() -> None:
    changes = PositionChanges.of([stock("stock.added", 4), stock("stock.removed", 4), ("warehouse.created", {})])
    assert not changes


def test_the_latest_external_id_of_an_item_or_bin_wins() -> None:
    changes = PositionChanges.of(
        [
            ("item.created", {"item_id": 3, "external_id": "a"}),
            ("item.updated", {"item_id": 3, "external_id": "b"}),
            ("bin.created", {"bin_id": 1, "external_id": "c"}),
            ("item.deleted", {"item_id": 3}),
        ]
    )
    assert (changes.item_external_ids, changes.bin_external_ids) == ({3: "b"}, {1: "c"})
    assert changes
