from datetime import UTC, datetime

import pytest

from inventory.domain.catalog.bin import Bin
from inventory.domain.catalog.item import Item
from inventory.domain.stock.ledger import (
    DifferentWarehouse,
    InsufficientStock,
    InvalidQuantity,
    Lot,
    Movement,
    OverAllocation,
    Place,
    Position,
    StockAllocated,
    add_stock,
    allocate_stock,
    move_stock,
    release_stock,
    remove_stock,
)
from inventory.domain.stock.transfer import InvalidMove, MoveStock, move_between_bins

NOW = datetime(2026, 1, 1, tzinfo=UTC)
WHY = Movement("test")
HERE = Position(1, 10, 5, None, on_hand=10, allocated=4)


def test_stock_events_carry_lot_serial_expiry_and_unit() -> None:
    event = add_stock(Place(1, 10, 5), 3, Lot("L1", "S1", "2027-01-31"), Movement("receipt", "item_receipt", "r"), NOW)
    assert event.event_type == "stock.added"
    assert {k: event.data[k] for k in ("lot_number", "serial_number", "expiry_date", "uom")} == {
        "lot_number": "L1",
        "serial_number": "S1",
        "expiry_date": "2027-01-31",
        "uom": "each",
    }
    with pytest.raises(InvalidQuantity):
        add_stock(Place(1, 10, 5), 0, Lot(), WHY, NOW)


def test_removal_never_goes_below_zero_and_never_takes_allocated_units() -> None:
    with pytest.raises(InsufficientStock) as short:
        remove_stock(HERE, 11, Lot(), WHY, NOW)
    assert short.value.details["available"] == 10
    with pytest.raises(InsufficientStock):
        remove_stock(None, 1, Lot(), WHY, NOW)
    with pytest.raises(StockAllocated) as promised:
        remove_stock(HERE, 7, Lot(), WHY, NOW)
    assert promised.value.status == 409
    assert remove_stock(HERE, 6, Lot(), WHY, NOW).data["quantity"] == 6


def test_allocation_stays_within_what_is_on_hand() -> None:
    with pytest.raises(OverAllocation):
        allocate_stock(HERE, 7, WHY, NOW)
    assert allocate_stock(HERE, 6, WHY, NOW).event_type == "stock.allocated"
    with pytest.raises(OverAllocation):
        release_stock(HERE, 5, WHY, NOW)
    assert release_stock(HERE, 4, WHY, NOW).event_type == "stock.released"


def test_a_move_is_a_removal_and_an_addition_inside_one_warehouse() -> None:
    removed, added = move_stock(HERE, Place(1, 11, 5), 2, Lot(), WHY, NOW)
    assert (removed.data["bin_id"], added.data["bin_id"]) == (10, 11)
    with pytest.raises(DifferentWarehouse):
        move_stock(HERE, Place(2, 11, 5), 2, Lot(), WHY, NOW)


def test_only_a_move_is_announced_as_a_sentry_transfer() -> None:
    item = Item(5, "00000000-0000-0000-0000-000000000005", "SKU", "Name", NOW.isoformat(), NOW.isoformat())
    source = Bin(10, "00000000-0000-0000-0000-000000000010", 1, 1, "A", "A")
    target = Bin(11, "00000000-0000-0000-0000-000000000011", 1, 1, "B", "B")
    command = MoveStock(5, 10, 11, 2)
    moved = move_between_bins(command, 1, "00000000-0000-0000-0000-0000000000aa", item, source, target, HERE, "u", NOW)
    assert [e.event_type for e in moved.transfer_events] == ["transfer.recorded", "transfer.completed"]
    assert moved.transfer_events[1].data["completed_at"].endswith("Z")
    put = move_between_bins(
        command,
        2,
        "00000000-0000-0000-0000-0000000000bb",
        item,
        source,
        target,
        HERE,
        "u",
        NOW,
        transfer_type="PUTAWAY",
    )
    assert [e.event_type for e in put.transfer_events] == ["transfer.recorded"]
    with pytest.raises(InvalidMove):
        move_between_bins(MoveStock(5, 10, 10, 2), 3, "x", item, source, source, HERE, "u", NOW)
