from datetime import UTC, datetime

import pytest

from canonical.errors import NotFound
from inventory.domain.catalog.bin import Bin
from inventory.domain.catalog.item import Item
from inventory.domain.receiving.purchase_order import (
    NewLine,
    NotReceivable,
    PoLine,
    PurchaseOrder,
    PurchaseOrderStateConflict,
    close_purchase_order,
    create_purchase_order,
    reopen_purchase_order,
)
from inventory.domain.receiving.receipt import (
    OverReceipt,
    Receipt,
    ReceiveEntry,
    ReceivingRefused,
    receive,
    reverse_receipt,
)
from inventory.domain.stock.ledger import Position

NOW = datetime(2026, 1, 1, tzinfo=UTC)
UUID = "00000000-0000-0000-0000-0000000000{:02d}"
ITEMS = {n: Item(n, UUID.format(n), f"SKU-{n}", "x", NOW.isoformat(), NOW.isoformat()) for n in (1, 2)}
DOCK = Bin(7, UUID.format(7), 1, 1, "DOCK", "DOCK", "Staging")
PO = PurchaseOrder(
    1, UUID.format(99), "PO-1", "PO-1", 1, "OPEN", NOW.isoformat(), "u", (PoLine(11, 1, 1, 10), PoLine(12, 2, 2, 5))
)


def test_new_orders_number_their_lines_and_default_the_barcode() -> None:
    event = create_purchase_order(
        1,
        UUID.format(1),
        {"po_number": " PO-9 ", "warehouse_id": 1},
        [NewLine(1, 3), NewLine(2, 4)],
        [5, 6],
        [],
        "u",
        NOW,
    )
    assert (event.data["po_barcode"], event.data["status"]) == ("PO-9", "OPEN")
    assert [line["line_number"] for line in event.data["lines"]] == [1, 2]


def test_the_status_machine_close_and_reopen() -> None:
    closed = close_purchase_order(PO)
    assert closed.data["status"] == "CLOSED"
    with pytest.raises(PurchaseOrderStateConflict):
        reopen_purchase_order(PO)
    closed_po = PurchaseOrder(**{**PO.__dict__, "status": "CLOSED"})
    with pytest.raises(PurchaseOrderStateConflict):
        close_purchase_order(closed_po)
    assert reopen_purchase_order(closed_po).data["status"] == "OPEN"
    with pytest.raises(NotReceivable):
        receive(
            closed_po,
            [ReceiveEntry(1, 1, 7)],
            {7: DOCK},
            ITEMS,
            [(1, UUID.format(1))],
            allow_over_receiving=False,
            actor="u",
            now=NOW,
        )


def receive_one(po: PurchaseOrder, entry: ReceiveEntry, *, allow: bool = False) -> object:
    return receive(
        po, [entry], {7: DOCK}, ITEMS, [(1, UUID.format(50))], allow_over_receiving=allow, actor="u", now=NOW
    )


def test_receiving_fills_lines_and_moves_the_header() -> None:
    partial = receive(
        PO,
        [ReceiveEntry(1, 10, 7)],
        {7: DOCK},
        ITEMS,
        [(1, UUID.format(50))],
        allow_over_receiving=False,
        actor="u",
        now=NOW,
    )
    assert partial.po.status == "PARTIAL"
    assert [e.event_type for e in partial.receipts[0][1]] == ["receipt.recorded", "receipt.completed"]
    assert partial.stock[0].data["reason"] == "receipt"
    full = receive(
        partial.po,
        [ReceiveEntry(2, 5, 7)],
        {7: DOCK},
        ITEMS,
        [(2, UUID.format(51))],
        allow_over_receiving=False,
        actor="u",
        now=NOW,
    )
    assert (full.po.status, full.po.received_at) == ("RECEIVED", NOW.isoformat())


def test_over_receipt_is_refused_unless_allowed_then_warned() -> None:
    with pytest.raises(OverReceipt):
        receive_one(PO, ReceiveEntry(2, 6, 7))
    allowed = receive(
        PO,
        [ReceiveEntry(2, 6, 7)],
        {7: DOCK},
        ITEMS,
        [(1, UUID.format(50))],
        allow_over_receiving=True,
        actor="u",
        now=NOW,
    )
    assert "Over-receipt" in allowed.warnings[0]


def test_bins_and_items_must_fit_the_order() -> None:
    with pytest.raises(NotFound):
        receive_one(PO, ReceiveEntry(1, 1, 8))
    elsewhere = Bin(7, UUID.format(7), 2, 1, "X", "X")
    with pytest.raises(ReceivingRefused):
        receive(
            PO,
            [ReceiveEntry(1, 1, 7)],
            {7: elsewhere},
            ITEMS,
            [(1, UUID.format(50))],
            allow_over_receiving=False,
            actor="u",
            now=NOW,
        )
    with pytest.raises(ReceivingRefused, match="not on PO"):
        receive_one(PO, ReceiveEntry(3, 1, 7))


def test_undo_reverses_only_free_units_in_the_bin_and_never_a_closed_order() -> None:
    received = PurchaseOrder(**{**PO.__dict__, "status": "PARTIAL", "lines": (PoLine(11, 1, 1, 10, 6), PO.lines[1])})
    receipt = Receipt(1, UUID.format(50), 1, 11, 1, 7, 1, 6, 0, None, None, None, None, "u", NOW.isoformat())
    in_bin = Position(1, 7, 1, None, on_hand=4, allocated=1)
    reversal = reverse_receipt(received, receipt, in_bin, NOW)
    assert reversal is not None
    assert reversal.stock_event.data["quantity"] == 3
    assert reversal.po.lines[0].quantity_received == 3
    assert reversal.receipt_event.data == {"receipt_id": 1, "quantity_cancelled": 3}
    assert reverse_receipt(received, receipt, None, NOW) is None
    closed = PurchaseOrder(**{**received.__dict__, "status": "CLOSED"})
    assert reverse_receipt(closed, receipt, in_bin, NOW) is None
    everything = reverse_receipt(received, receipt, Position(1, 7, 1, None, on_hand=6, allocated=0), NOW)
    assert everything is not None
    assert everything.po.status == "OPEN"
