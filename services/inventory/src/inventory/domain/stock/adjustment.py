"""Inventory adjustments: a signed correction of one position, with a reason code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from canonical.errors import DomainError
from inventory.domain.catalog.bin import Bin
from inventory.domain.catalog.item import Item
from inventory.domain.events import DomainEvent, sentry_timestamp
from inventory.domain.stock.ledger import Lot, Movement, Place, Position, add_stock, remove_stock

DIRECT_ADJUSTMENT = "DIRECT_ADJUSTMENT"
MAX_REASON_LENGTH = 500


class InvalidAdjustment(DomainError):
    code = "invalid_adjustment"


@dataclass(frozen=True)
class DirectAdjustment:
    warehouse_id: int
    bin_id: int
    item_id: int
    adjustment_type: str  # ADD | REMOVE
    quantity: int
    reason: str
    lot_number: str | None = None


def apply_direct_adjustment(
    command: DirectAdjustment,
    adjustment_id: int,
    external_id: str,
    item: Item,
    bin_: Bin,
    position: Position | None,
    actor: str,
    now: datetime,
) -> tuple[DomainEvent, list[DomainEvent]]:
    """(the stock event, the adjustment's own events). A direct adjustment is approved as it is made."""
    kind = command.adjustment_type.upper()
    if kind not in {"ADD", "REMOVE"}:
        raise InvalidAdjustment("adjustment_type must be ADD or REMOVE.")
    if not command.reason.strip():
        raise InvalidAdjustment("A reason is required.")
    movement = Movement("adjustment", "inventory_adjustment", external_id)
    lot = Lot(command.lot_number)
    if kind == "ADD":
        stock = add_stock(Place(bin_.warehouse_id, bin_.bin_id, item.item_id), command.quantity, lot, movement, now)
        change = command.quantity
    else:
        stock = remove_stock(position, command.quantity, lot, movement, now)
        change = -command.quantity
    recorded = DomainEvent(
        "adjustment.recorded",
        {
            "adjustment_id": adjustment_id,
            "external_id": external_id,
            "warehouse_id": bin_.warehouse_id,
            "bin_id": bin_.bin_id,
            "item_id": item.item_id,
            "lot_number": command.lot_number,
            "quantity_change": change,
            "reason_code": DIRECT_ADJUSTMENT,
            "reason_detail": command.reason.strip(),
            "status": "APPROVED",
            "adjusted_by": actor,
            "adjusted_at": now.isoformat(),
            "cycle_count_id": None,
        },
    )
    applied = DomainEvent(
        "adjustment.applied",
        {
            "adjustment_external_id": external_id,
            "item_external_id": item.external_id,
            "bin_external_id": bin_.external_id,
            "quantity_delta": change,
            "reason_code": DIRECT_ADJUSTMENT,
            "applied_by_user_external_id": actor,
            "applied_at": sentry_timestamp(now),
        },
    )
    return stock, [recorded, applied]


def adjustment_stream(adjustment_id: int) -> str:
    return f"adjustment-{adjustment_id}"
