"""Bin-to-bin moves and put-away inside one warehouse (put-away is the same movement, recorded as such)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from canonical.errors import DomainError
from inventory.domain.catalog.bin import Bin
from inventory.domain.catalog.item import Item
from inventory.domain.events import DomainEvent, sentry_timestamp
from inventory.domain.stock.ledger import (
    DifferentWarehouse,
    Lot,
    Movement,
    Place,
    Position,
    add_stock,
    move_stock,
    remove_stock,
)

MAX_MOVE_QUANTITY = 100_000


class InvalidMove(DomainError):
    code = "invalid_move"


@dataclass(frozen=True)
class MoveStock:
    item_id: int
    from_bin_id: int
    to_bin_id: int
    quantity: int
    reason: str | None = None
    lot_number: str | None = None


@dataclass(frozen=True)
class MoveDecision:
    stock_events: tuple[DomainEvent, DomainEvent]  # removed at the source, added at the destination
    transfer_events: list[DomainEvent]


def move_between_bins(
    command: MoveStock,
    transfer_id: int,
    external_id: str,
    item: Item,
    source: Bin,
    destination: Bin,
    position: Position | None,
    actor: str,
    now: datetime,
    *,
    transfer_type: str = "MOVE",
) -> MoveDecision:
    """Only a MOVE is announced as Sentry's `transfer.completed`; put-away stays internal, as in v1.7."""
    if source.bin_id == destination.bin_id:
        raise InvalidMove("from_bin_id and to_bin_id must differ.")
    if source.warehouse_id != destination.warehouse_id:
        raise DifferentWarehouse()
    if command.quantity > MAX_MOVE_QUANTITY:
        raise InvalidMove(f"quantity must be at most {MAX_MOVE_QUANTITY}.")
    movement = Movement(transfer_type.lower(), "inventory_transfer", external_id)
    to = Place(destination.warehouse_id, destination.bin_id, item.item_id)
    stock_events = move_stock(position, to, command.quantity, Lot(command.lot_number), movement, now)
    recorded = _recorded(command, transfer_id, external_id, transfer_type, item, source, destination, actor, now)
    completed = DomainEvent(
        "transfer.completed",
        {
            "transfer_external_id": external_id,
            "from_warehouse_id": source.warehouse_id,
            "to_warehouse_id": destination.warehouse_id,
            "lines": [{"item_external_id": item.external_id, "quantity": command.quantity}],
            "completed_at": sentry_timestamp(now),
        },
    )
    return MoveDecision(stock_events, [recorded, completed] if transfer_type == "MOVE" else [recorded])


def transfer_between_warehouses(
    command: MoveStock,
    transfer_id: int,
    external_id: str,
    item: Item,
    source: Bin,
    destination: Bin,
    position: Position | None,
    actor: str,
    now: datetime,
) -> MoveDecision:
    """Both sides in one transaction, so stock is never in transit nor counted twice; v1.7 sent no event."""
    if source.bin_id == destination.bin_id:
        raise InvalidMove("from_bin_id and to_bin_id must differ.")
    movement = Movement("inter_warehouse", "inventory_transfer", external_id)
    lot = Lot(command.lot_number)
    removed = remove_stock(position, command.quantity, lot, movement, now, context=" in source bin")
    added = add_stock(
        Place(destination.warehouse_id, destination.bin_id, item.item_id), command.quantity, lot, movement, now
    )
    recorded = _recorded(command, transfer_id, external_id, "INTER_WAREHOUSE", item, source, destination, actor, now)
    return MoveDecision((removed, added), [recorded])


def _recorded(
    command: MoveStock,
    transfer_id: int,
    external_id: str,
    transfer_type: str,
    item: Item,
    source: Bin,
    destination: Bin,
    actor: str,
    now: datetime,
) -> DomainEvent:
    return DomainEvent(
        "transfer.recorded",
        {
            "transfer_id": transfer_id,
            "external_id": external_id,
            "transfer_type": transfer_type,
            "item_id": item.item_id,
            "from_bin_id": source.bin_id,
            "from_warehouse_id": source.warehouse_id,
            "to_bin_id": destination.bin_id,
            "to_warehouse_id": destination.warehouse_id,
            "lot_number": command.lot_number,
            "quantity": command.quantity,
            "reason": command.reason,
            "transferred_by": actor,
            "transferred_at": now.isoformat(),
        },
    )


def transfer_stream(transfer_id: int) -> str:
    return f"transfer-{transfer_id}"
