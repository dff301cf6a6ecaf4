"""Receiving into a bin against a purchase order, and undoing a receiving session (v1.7 C.4, C.5).

A receive request is all or nothing. Undo reverses only what is still free in
the receiving bin (stock already put away or allocated stays where it is) and
never touches a CLOSED order: both are decisions against v1.7's defects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from canonical.errors import DomainError, NotFound
from inventory.domain.catalog.bin import Bin
from inventory.domain.catalog.item import Item
from inventory.domain.events import DomainEvent, sentry_timestamp
from inventory.domain.receiving.purchase_order import (
    RECEIVABLE,
    NotReceivable,
    PurchaseOrder,
    with_derived_status,
    with_line,
)
from inventory.domain.stock.ledger import Lot, Movement, Place, Position, add_stock, remove_stock

MAX_RECEIVE_QUANTITY = 100_000


class ReceivingRefused(DomainError):
    code = "receiving_refused"


class OverReceipt(DomainError):
    code = "over_receipt"


@dataclass(frozen=True)
class ReceiveEntry:
    item_id: int
    quantity: int
    bin_id: int
    lot_number: str | None = None
    serial_number: str | None = None
    expiry_date: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Receipt:
    receipt_id: int
    external_id: str
    po_id: int
    po_line_id: int
    item_id: int
    bin_id: int
    warehouse_id: int
    quantity_received: int
    quantity_cancelled: int
    lot_number: str | None
    serial_number: str | None
    expiry_date: str | None
    notes: str | None
    received_by: str
    received_at: str

    @property
    def outstanding(self) -> int:
        return self.quantity_received - self.quantity_cancelled


@dataclass
class ReceivingOutcome:
    po: PurchaseOrder
    po_events: list[DomainEvent] = field(default_factory=list)
    receipts: list[tuple[int, list[DomainEvent]]] = field(default_factory=list)  # (receipt id, its events)
    stock: list[DomainEvent] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def receive(
    po: PurchaseOrder,
    entries: Sequence[ReceiveEntry],
    bins: Mapping[int, Bin | None],
    items: Mapping[int, Item],
    new_receipts: Sequence[tuple[int, str]],
    *,
    allow_over_receiving: bool,
    actor: str,
    now: datetime,
) -> ReceivingOutcome:
    """`new_receipts`: an (id, external id) per entry. `items` holds every item the order's lines name."""
    if po.status not in RECEIVABLE:
        raise NotReceivable(f"Purchase order is {po.status}; cannot receive.")
    outcome = ReceivingOutcome(po)
    for entry, (receipt_id, external_id) in zip(entries, new_receipts, strict=True):
        if not 1 <= entry.quantity <= MAX_RECEIVE_QUANTITY:
            raise ReceivingRefused(f"quantity must be between 1 and {MAX_RECEIVE_QUANTITY}.")
        bin_ = bins.get(entry.bin_id)
        if bin_ is None:
            raise NotFound(f"Bin {entry.bin_id} not found.", legacy_error=f"Bin {entry.bin_id} not found")
        if bin_.warehouse_id != po.warehouse_id:
            raise ReceivingRefused(f"Bin {bin_.bin_code} is not in the purchase order's warehouse.")
        line = outcome.po.line_for(entry.item_id)
        if line is None:
            raise ReceivingRefused(f"Item {entry.item_id} is not on PO {po.po_number}.")
        if entry.quantity > line.remaining:
            message = (
                f"Over-receipt: item {entry.item_id} has {line.remaining} remaining on PO {po.po_number},"
                f" {entry.quantity} received."
            )
            if not allow_over_receiving:
                raise OverReceipt(message)
            outcome.warnings.append(message)
        outcome.po = with_line(outcome.po, replace(line, quantity_received=line.quantity_received + entry.quantity))
        receipt = Receipt(
            receipt_id, external_id, po.po_id, line.po_line_id, entry.item_id, bin_.bin_id, po.warehouse_id,
            entry.quantity, 0, entry.lot_number, entry.serial_number, entry.expiry_date, entry.notes, actor,
            now.isoformat(),
        )  # fmt: skip
        outcome.receipts.append((receipt_id, _receipt_events(receipt, po, items[entry.item_id], now)))
        lot = Lot(entry.lot_number, entry.serial_number, entry.expiry_date)
        movement = Movement("receipt", "item_receipt", external_id)
        place = Place(po.warehouse_id, bin_.bin_id, entry.item_id)
        outcome.stock.append(add_stock(place, entry.quantity, lot, movement, now))
    outcome.po = with_derived_status(outcome.po, now)
    receipt_ids = [receipt_id for receipt_id, _ in outcome.receipts]
    outcome.po_events.append(DomainEvent("purchase_order.received", {**outcome.po.state(), "receipt_ids": receipt_ids}))
    return outcome


def _receipt_events(receipt: Receipt, po: PurchaseOrder, item: Item, now: datetime) -> list[DomainEvent]:
    completed: dict[str, Any] = {
        "receipt_external_id": receipt.external_id,
        "po_external_id": po.external_id,
        "lines": [
            {
                "item_external_id": item.external_id,
                "quantity_received": receipt.quantity_received,
                "lot_number": receipt.lot_number,
                "serial_number": receipt.serial_number,
            }
        ],
        "completed_by_user_external_id": receipt.received_by,
        "completed_at": sentry_timestamp(now),
    }
    return [DomainEvent("receipt.recorded", dict(receipt.__dict__)), DomainEvent("receipt.completed", completed)]


@dataclass(frozen=True)
class Reversal:
    po: PurchaseOrder
    po_event: DomainEvent
    receipt_event: DomainEvent
    stock_event: DomainEvent


def reverse_receipt(po: PurchaseOrder, receipt: Receipt, position: Position | None, now: datetime) -> Reversal | None:
    """None when nothing can be reversed: the order is CLOSED, or the units left the bin or are promised."""
    quantity = min(receipt.outstanding, position.available if position else 0)
    if po.status == "CLOSED" or quantity <= 0:
        return None
    line = next(line for line in po.lines if line.po_line_id == receipt.po_line_id)
    po = with_line(po, replace(line, quantity_received=max(0, line.quantity_received - quantity)))
    po = with_derived_status(po, now)
    movement = Movement("receipt_cancel", "item_receipt", receipt.external_id)
    lot = Lot(receipt.lot_number, receipt.serial_number, receipt.expiry_date)
    cancelled = receipt.quantity_cancelled + quantity
    return Reversal(
        po,
        DomainEvent("purchase_order.receipt_reversed", {**po.state(), "receipt_ids": [receipt.receipt_id]}),
        DomainEvent("receipt.cancelled", {"receipt_id": receipt.receipt_id, "quantity_cancelled": cancelled}),
        remove_stock(position, quantity, lot, movement, now),
    )


def receipt_stream(receipt_id: int) -> str:
    return f"receipt-{receipt_id}"
