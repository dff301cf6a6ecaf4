"""The stock ledger: one position per (bin, item, lot) with on-hand and allocated quantities.

Every change is a stock event in the stream of its (bin, item); the rules here
are checked against the position read under that stream's lock, so two
scanners can never both spend the same units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from canonical.errors import Conflict, DomainError
from inventory.domain.events import DomainEvent

DEFAULT_UOM = "each"
MAX_QUANTITY = 1_000_000


class InvalidQuantity(DomainError):
    code = "invalid_quantity"


class InsufficientStock(DomainError):
    code = "insufficient_stock"

    def __init__(self, on_hand: int, *, context: str = "") -> None:
        text = f"Insufficient inventory{context}. Available: {on_hand}"
        super().__init__(text, legacy_error=text, available=on_hand)


class StockAllocated(Conflict):
    """Units promised to orders stay where they are until the allocation is released."""

    code = "stock_allocated"

    def __init__(self, available: int, allocated: int) -> None:
        super().__init__(
            f"Only {available} unit(s) are free here; {allocated} are allocated to orders.",
            available=available,
            allocated=allocated,
        )


class OverAllocation(Conflict):
    code = "insufficient_available"


class DifferentWarehouse(DomainError):
    code = "different_warehouse"

    def __init__(self) -> None:
        super().__init__(
            "Source and destination bins are in different warehouses; use the inter-warehouse transfer.",
            legacy_error="Bins are in different warehouses. Use inter-warehouse transfer.",
        )


@dataclass(frozen=True)
class Lot:
    lot_number: str | None = None
    serial_number: str | None = None
    expiry_date: str | None = None  # ISO date
    uom: str = DEFAULT_UOM


@dataclass(frozen=True)
class Position:
    warehouse_id: int
    bin_id: int
    item_id: int
    lot_number: str | None
    on_hand: int
    allocated: int

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated


@dataclass(frozen=True)
class Movement:
    """Why stock changed and which record caused it (a receipt, a transfer, an adjustment, ...)."""

    reason: str
    reference_type: str | None = None
    reference_id: str | None = None


@dataclass(frozen=True)
class Place:
    warehouse_id: int
    bin_id: int
    item_id: int


def _checked_quantity(quantity: int) -> int:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidQuantity(f"quantity must be between 1 and {MAX_QUANTITY}.")
    return quantity


def _event(event_type: str, place: Place, quantity: int, lot: Lot, movement: Movement, now: datetime) -> DomainEvent:
    return DomainEvent(
        event_type,
        {
            "warehouse_id": place.warehouse_id,
            "bin_id": place.bin_id,
            "item_id": place.item_id,
            "quantity": quantity,
            "lot_number": lot.lot_number,
            "serial_number": lot.serial_number,
            "expiry_date": lot.expiry_date,
            "uom": lot.uom,
            "reason": movement.reason,
            "reference_type": movement.reference_type,
            "reference_id": movement.reference_id,
            "occurred_at": now.isoformat(),
        },
    )


def add_stock(place: Place, quantity: int, lot: Lot, movement: Movement, now: datetime) -> DomainEvent:
    return _event("stock.added", place, _checked_quantity(quantity), lot, movement, now)


def remove_stock(
    position: Position | None, quantity: int, lot: Lot, movement: Movement, now: datetime, *, context: str = ""
) -> DomainEvent:
    """Refuses more than is on hand (400) and any allocated unit (409): allocation is a promise."""
    _checked_quantity(quantity)
    if position is None or position.on_hand < quantity:
        raise InsufficientStock(0 if position is None else position.on_hand, context=context)
    if position.available < quantity:
        raise StockAllocated(position.available, position.allocated)
    place = Place(position.warehouse_id, position.bin_id, position.item_id)
    return _event("stock.removed", place, quantity, lot, movement, now)


def move_stock(
    source: Position | None, destination: Place, quantity: int, lot: Lot, movement: Movement, now: datetime
) -> tuple[DomainEvent, DomainEvent]:
    """(removed at the source, added at the destination): both or neither, in one transaction."""
    if source is not None and source.warehouse_id != destination.warehouse_id:
        raise DifferentWarehouse()
    removed = remove_stock(source, quantity, lot, movement, now, context=" in source bin")
    return removed, add_stock(destination, quantity, lot, movement, now)


def allocate_stock(position: Position | None, quantity: int, movement: Movement, now: datetime) -> DomainEvent:
    _checked_quantity(quantity)
    available = 0 if position is None else position.available
    if position is None or available < quantity:
        raise OverAllocation(f"Only {available} unit(s) can be allocated here.", available=available)
    place = Place(position.warehouse_id, position.bin_id, position.item_id)
    return _event("stock.allocated", place, quantity, Lot(position.lot_number), movement, now)


def release_stock(position: Position | None, quantity: int, movement: Movement, now: datetime) -> DomainEvent:
    _checked_quantity(quantity)
    if position is None or position.allocated < quantity:
        allocated = 0 if position is None else position.allocated
        raise OverAllocation(f"Only {allocated} unit(s) are allocated here.", allocated=allocated)
    place = Place(position.warehouse_id, position.bin_id, position.item_id)
    return _event("stock.released", place, quantity, Lot(position.lot_number), movement, now)


def stock_stream(bin_id: int, item_id: int) -> str:
    return f"stock-{bin_id}-{item_id}"
