"""Sales orders and their status machine (v1.7 E.2).

OPEN -> PICKING (a batch or wave allocated it) -> PICKED (its batch completed)
-> PACKED -> SHIPPED; PICKING -> OPEN when its batch is cancelled; OPEN or
PICKING -> CANCELLED. Every event carries the whole order after the change,
so the read model is one upsert and "what happened" equals "what is true".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from canonical.errors import Conflict, DomainError
from inventory.domain.catalog.changes import NothingToUpdate
from inventory.domain.events import DomainEvent, sentry_timestamp

MAX_SO_NUMBER_LENGTH = 128
MAX_ORDERED = 1_000_000
CANCELLABLE = frozenset({"OPEN", "PICKING"})
EDITABLE_FIELDS = frozenset(
    {
        "so_number",
        "so_barcode",
        "customer_name",
        "customer_id",
        "customer_phone",
        "customer_address",
        "ship_method",
        "ship_address",
        "billing_address",
        "shipping_address",
        "ship_by_date",
        "priority",
        "order_date",
    }
)


class InvalidSalesOrder(DomainError):
    code = "invalid_sales_order"


class DuplicateSoNumber(DomainError):
    code = "duplicate_so_number"

    def __init__(self, so_number: str) -> None:
        super().__init__(f"SO number {so_number!r} is already used.", legacy_error="Duplicate so_number")


class SalesOrderNotEditable(DomainError):
    code = "sales_order_not_editable"


class SalesOrderNotCancellable(Conflict):
    """v1.7 answered 400; the spec decisions make a refused state change a 409."""

    code = "sales_order_not_cancellable"

    def __init__(self, status: str) -> None:
        text = f"Can only cancel OPEN or PICKING orders (this one is {status})"
        super().__init__(f"{text}.", legacy_error=text, status=status)


class SalesOrderState(DomainError):
    """The order is not in the status the step needs (e.g. packing an order that is not PICKED)."""

    code = "sales_order_status"


@dataclass(frozen=True)
class SoLine:
    so_line_id: int
    item_id: int
    line_number: int
    quantity_ordered: int
    quantity_allocated: int = 0
    quantity_picked: int = 0
    quantity_packed: int = 0
    quantity_shipped: int = 0
    status: str = "PENDING"

    @property
    def need(self) -> int:
        """Units still to allocate (F.3: ordered - allocated)."""
        return max(0, self.quantity_ordered - self.quantity_allocated)

    @property
    def pack_verified(self) -> bool:
        """A line with nothing picked counts as verified (G.1)."""
        return self.quantity_packed >= self.quantity_picked


@dataclass(frozen=True)
class SalesOrder:
    so_id: int
    external_id: str
    so_number: str
    so_barcode: str
    warehouse_id: int
    status: str
    order_date: str
    created_at: str
    created_by: str
    lines: tuple[SoLine, ...]
    priority: int = 0
    customer_name: str | None = None
    customer_id: str | None = None
    customer_phone: str | None = None
    customer_address: str | None = None
    ship_method: str | None = None
    ship_address: str | None = None
    billing_address: str | None = None
    shipping_address: str | None = None
    ship_by_date: str | None = None
    picked_at: str | None = None
    packed_at: str | None = None
    shipped_at: str | None = None
    cancelled_at: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    fulfillment_id: int | None = None
    fulfillment_external_id: str | None = None

    def line(self, so_line_id: int) -> SoLine:
        return next(line for line in self.lines if line.so_line_id == so_line_id)

    def lines_in_order(self) -> list[SoLine]:
        return sorted(self.lines, key=lambda line: (line.line_number, line.so_line_id))

    def state(self) -> dict[str, Any]:
        header = {k: v for k, v in self.__dict__.items() if k != "lines"}
        return {**header, "lines": [dict(line.__dict__) for line in self.lines]}


@dataclass(frozen=True)
class NewSoLine:
    item_id: int
    quantity_ordered: int
    line_number: int | None = None


def _event(kind: str, so: SalesOrder) -> DomainEvent:
    return DomainEvent(f"sales_order.{kind}", so.state())


def _with_lines(so: SalesOrder, changed: Mapping[int, SoLine]) -> SalesOrder:
    return replace(so, lines=tuple(changed.get(line.so_line_id, line) for line in so.lines))


def _numbered(lines: Sequence[NewSoLine], line_ids: Sequence[int]) -> tuple[SoLine, ...]:
    if not lines:
        raise InvalidSalesOrder("A sales order needs at least one line.")
    if any(not 1 <= line.quantity_ordered <= MAX_ORDERED for line in lines):
        raise InvalidSalesOrder(f"quantity_ordered must be between 1 and {MAX_ORDERED}.")
    return tuple(
        SoLine(line_id, line.item_id, line.line_number or position, line.quantity_ordered)
        for position, (line, line_id) in enumerate(zip(lines, line_ids, strict=True), start=1)
    )


def create_sales_order(
    so_id: int,
    external_id: str,
    fields: Mapping[str, Any],
    lines: Sequence[NewSoLine],
    line_ids: Sequence[int],
    unknown_items: Sequence[int],
    actor: str,
    now: datetime,
) -> DomainEvent:
    """Lines without a number are numbered 1..n in order; the barcode defaults to the SO number."""
    if unknown_items:
        missing = f"Item {unknown_items[0]} not found"
        raise InvalidSalesOrder(f"{missing}.", legacy_error=missing)
    number = str(fields["so_number"]).strip()
    if not number:
        raise InvalidSalesOrder("so_number must not be blank.")
    header = {k: v for k, v in fields.items() if k in EDITABLE_FIELDS and k not in {"so_number", "so_barcode"}}
    so = SalesOrder(
        so_id=so_id,
        external_id=external_id,
        so_number=number,
        so_barcode=(fields.get("so_barcode") or "").strip() or number,
        warehouse_id=int(fields["warehouse_id"]),
        status="OPEN",
        order_date=header.pop("order_date", None) or now.isoformat(),
        created_at=now.isoformat(),
        created_by=actor,
        lines=_numbered(lines, line_ids),
        **{**header, "priority": header.get("priority") or 0},
    )
    return _event("created", so)


def update_sales_order(so: SalesOrder, changes: Mapping[str, Any], *, number_taken: bool) -> DomainEvent:
    if not changes:
        raise NothingToUpdate()
    if so.status != "OPEN":
        text = f"Only OPEN sales orders can be edited (this one is {so.status})"
        raise SalesOrderNotEditable(f"{text}.", legacy_error=text)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise InvalidSalesOrder(f"Cannot change {', '.join(sorted(unknown))}.")
    updated = replace(so, **changes)
    if not updated.so_number.strip() or not updated.so_barcode.strip():
        raise InvalidSalesOrder("so_number and so_barcode must not be blank.")
    if number_taken and updated.so_number != so.so_number:
        raise DuplicateSoNumber(updated.so_number)
    return _event("updated", updated)


def replace_lines(so: SalesOrder, lines: Sequence[NewSoLine], line_ids: Sequence[int]) -> SalesOrder:
    """An OPEN order's lines replaced wholesale (an inbound update); nothing is allocated while OPEN."""
    if so.status != "OPEN":
        raise SalesOrderNotEditable(f"Only OPEN sales orders can be edited (this one is {so.status}).")
    return replace(so, lines=_numbered(lines, line_ids))


def allocate_lines(so: SalesOrder, allocated: Mapping[int, int]) -> DomainEvent:
    """A batch or wave took the order: its lines gained `allocated[so_line_id]` units; now PICKING."""
    if so.status != "OPEN":
        raise SalesOrderState(f"Order {so.so_number} must be OPEN (it is {so.status}).", so_number=so.so_number)
    changed = {}
    for line_id, quantity in allocated.items():
        line = so.line(line_id)
        if quantity > line.need:
            raise SalesOrderState(f"Line {line.line_number} of {so.so_number} cannot take {quantity} more units.")
        changed[line_id] = replace(line, quantity_allocated=line.quantity_allocated + quantity)
    return _event("allocated", replace(_with_lines(so, changed), status="PICKING"))


def release_lines(so: SalesOrder, released: Mapping[int, int]) -> DomainEvent:
    """A cancelled batch gave back `released` units per line; the order is OPEN again (Part M 3 fixed)."""
    changed = {
        line_id: replace(so.line(line_id), quantity_allocated=max(0, so.line(line_id).quantity_allocated - quantity))
        for line_id, quantity in released.items()
    }
    status = "OPEN" if so.status == "PICKING" else so.status
    return _event("released", replace(_with_lines(so, changed), status=status))


def credit_picks(so: SalesOrder, picked: Mapping[int, int], shorted: Mapping[int, int]) -> DomainEvent:
    """Confirmed units count as picked; units found missing no longer count as allocated (Part M 4).

    The one event that names only the lines it changed: it is written on every pick confirm.
    """
    changed = []
    for line_id in sorted(picked.keys() | shorted.keys()):
        line = so.line(line_id)
        changed.append(
            replace(
                line,
                quantity_picked=line.quantity_picked + picked.get(line_id, 0),
                quantity_allocated=line.quantity_allocated - shorted.get(line_id, 0),
            )
        )
    return DomainEvent("sales_order.picked", {"so_id": so.so_id, "lines": [dict(line.__dict__) for line in changed]})


def complete_picking(
    so: SalesOrder, item_external_ids: Mapping[int, str], actor: str, now: datetime
) -> list[DomainEvent]:
    """PICKING -> PICKED, and Sentry's `pick.confirmed` with every line (zero-picked ones too)."""
    if so.status != "PICKING":
        raise SalesOrderState(f"Order {so.so_number} is {so.status}, not PICKING.")
    picked = replace(so, status="PICKED", picked_at=now.isoformat())
    confirmed = DomainEvent(
        "pick.confirmed",
        {
            "sales_order_external_id": so.external_id,
            "lines": [
                {
                    "item_external_id": item_external_ids[line.item_id],
                    "quantity_picked": line.quantity_picked,
                    "lot_number": None,
                    "serial_number": None,
                }
                for line in so.lines_in_order()
            ],
            "completed_by_user_external_id": actor,
            "completed_at": sentry_timestamp(now),
        },
    )
    return [_event("picking_completed", picked), confirmed]


def cancel_sales_order(so: SalesOrder, now: datetime) -> DomainEvent:
    """Allocation and picked units are given back by the caller's stock events; the lines end at zero."""
    if so.status not in CANCELLABLE:
        raise SalesOrderNotCancellable(so.status)
    lines = tuple(replace(line, quantity_allocated=0, quantity_picked=0) for line in so.lines)
    return _event("cancelled", replace(so, status="CANCELLED", cancelled_at=now.isoformat(), lines=lines))


def sales_order_stream(so_id: int) -> str:
    return f"sales_order-{so_id}"
