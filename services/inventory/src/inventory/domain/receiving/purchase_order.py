"""Purchase orders and their status machine (v1.7 C.2).

OPEN -> PARTIAL -> RECEIVED as lines fill; any status but CLOSED may be
closed; only CLOSED reopens (always to OPEN). Receiving needs OPEN or PARTIAL,
edits need OPEN. Every event carries the whole order after the change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from canonical.errors import Conflict, DomainError
from inventory.domain.catalog.changes import NothingToUpdate
from inventory.domain.events import DomainEvent

RECEIVABLE = frozenset({"OPEN", "PARTIAL"})
MAX_PO_NUMBER_LENGTH = 128
MAX_ORDERED = 1_000_000


class InvalidPurchaseOrder(DomainError):
    code = "invalid_purchase_order"


class DuplicatePoNumber(DomainError):
    code = "duplicate_po_number"

    def __init__(self, po_number: str) -> None:
        super().__init__(f"PO number {po_number!r} is already used.", legacy_error="Duplicate po_number")


class PurchaseOrderStateConflict(Conflict):
    code = "purchase_order_state"


class NotReceivable(DomainError):
    code = "purchase_order_not_receivable"


@dataclass(frozen=True)
class PoLine:
    po_line_id: int
    item_id: int
    line_number: int
    quantity_ordered: int
    quantity_received: int = 0
    unit_cost: float | None = None

    @property
    def remaining(self) -> int:
        return max(0, self.quantity_ordered - self.quantity_received)

    @property
    def status(self) -> str:
        if self.quantity_received >= self.quantity_ordered:
            return "RECEIVED"
        return "PARTIAL" if self.quantity_received > 0 else "PENDING"


@dataclass(frozen=True)
class PurchaseOrder:
    po_id: int
    external_id: str
    po_number: str
    po_barcode: str
    warehouse_id: int
    status: str
    created_at: str
    created_by: str
    lines: tuple[PoLine, ...]
    vendor_name: str | None = None
    vendor_id: str | None = None
    expected_date: str | None = None
    notes: str | None = None
    received_at: str | None = None

    def line_for(self, item_id: int) -> PoLine | None:
        """The first line of the item, as v1.7 matched it."""
        in_order = sorted(self.lines, key=lambda line: line.line_number)
        return next((line for line in in_order if line.item_id == item_id), None)

    def state(self) -> dict[str, Any]:
        header = {k: v for k, v in self.__dict__.items() if k != "lines"}
        lines = [{**line.__dict__, "status": line.status} for line in self.lines]
        return {**header, "lines": lines}


@dataclass(frozen=True)
class NewLine:
    item_id: int
    quantity_ordered: int
    unit_cost: float | None = None
    line_number: int | None = None


def _derived_status(lines: Sequence[PoLine]) -> str:
    if all(line.status == "RECEIVED" for line in lines):
        return "RECEIVED"
    return "PARTIAL" if any(line.quantity_received > 0 for line in lines) else "OPEN"


def _event(event_type: str, po: PurchaseOrder, **extra: Any) -> DomainEvent:
    return DomainEvent(event_type, {**po.state(), **extra})


def create_purchase_order(
    po_id: int,
    external_id: str,
    fields: Mapping[str, Any],
    lines: Sequence[NewLine],
    line_ids: Sequence[int],
    unknown_items: Sequence[int],
    actor: str,
    now: datetime,
) -> DomainEvent:
    """Lines without a number are numbered 1..n in order; the barcode defaults to the PO number."""
    if not lines:
        raise InvalidPurchaseOrder("A purchase order needs at least one line.")
    if unknown_items:
        missing = f"Item {unknown_items[0]} not found"
        raise InvalidPurchaseOrder(f"{missing}.", legacy_error=missing)
    number = str(fields["po_number"]).strip()
    if not number:
        raise InvalidPurchaseOrder("po_number must not be blank.")
    po_lines = tuple(
        PoLine(line_id, line.item_id, line.line_number or position, line.quantity_ordered, 0, line.unit_cost)
        for position, (line, line_id) in enumerate(zip(lines, line_ids, strict=True), start=1)
    )
    po = PurchaseOrder(
        po_id=po_id,
        external_id=external_id,
        po_number=number,
        po_barcode=(fields.get("po_barcode") or "").strip() or number,
        warehouse_id=int(fields["warehouse_id"]),
        status="OPEN",
        created_at=now.isoformat(),
        created_by=actor,
        lines=po_lines,
        vendor_name=fields.get("vendor_name"),
        vendor_id=fields.get("vendor_id"),
        expected_date=fields.get("expected_date"),
        notes=fields.get("notes"),
    )
    return _event("purchase_order.created", po)


def update_purchase_order(po: PurchaseOrder, changes: Mapping[str, Any], *, number_taken: bool) -> DomainEvent:
    if not changes:
        raise NothingToUpdate()
    if po.status != "OPEN":
        raise InvalidPurchaseOrder(f"Only OPEN purchase orders can be edited (this one is {po.status}).")
    updated = replace(po, **changes)
    if number_taken and updated.po_number != po.po_number:
        raise DuplicatePoNumber(updated.po_number)
    return _event("purchase_order.updated", updated)


def close_purchase_order(po: PurchaseOrder) -> DomainEvent:
    if po.status == "CLOSED":
        raise PurchaseOrderStateConflict("Purchase order is already closed.")
    return _event("purchase_order.closed", replace(po, status="CLOSED"))


def reopen_purchase_order(po: PurchaseOrder) -> DomainEvent:
    if po.status != "CLOSED":
        raise PurchaseOrderStateConflict(f"Only CLOSED purchase orders can be reopened (this one is {po.status}).")
    return _event("purchase_order.reopened", replace(po, status="OPEN"))


def purchase_order_stream(po_id: int) -> str:
    return f"purchase_order-{po_id}"


def with_line(po: PurchaseOrder, line: PoLine) -> PurchaseOrder:
    return replace(po, lines=tuple(line if old.po_line_id == line.po_line_id else old for old in po.lines))


def with_derived_status(po: PurchaseOrder, now: datetime) -> PurchaseOrder:
    status = _derived_status(po.lines)
    received_at = now.isoformat() if status == "RECEIVED" else po.received_at
    return replace(po, status=status, received_at=received_at)
