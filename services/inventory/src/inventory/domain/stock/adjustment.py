"""Inventory adjustments: a signed correction of one position, with a reason code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from canonical.errors import Conflict, DomainError, Forbidden
from inventory.domain.catalog.bin import Bin
from inventory.domain.catalog.item import Item
from inventory.domain.events import DomainEvent, sentry_timestamp
from inventory.domain.stock.ledger import Lot, Movement, Place, Position, add_stock, remove_stock

DIRECT_ADJUSTMENT = "DIRECT_ADJUSTMENT"
CYCLE_COUNT = "CYCLE_COUNT"
MAX_REASON_LENGTH = 500
PENDING, APPROVED, REJECTED = "PENDING", "APPROVED", "REJECTED"
APPROVE, REJECT = "approve", "reject"


class InvalidAdjustment(DomainError):
    code = "invalid_adjustment"


class SelfApprovalRefused(Forbidden):
    code = "self_approval_refused"

    def __init__(self, adjustment_id: int) -> None:
        super().__init__(
            "Cannot approve your own cycle count: another admin must review it.",
            legacy_error="Cannot approve your own cycle count",
            adjustment_id=adjustment_id,
        )


class AdjustmentTargetGone(Conflict):
    code = "adjustment_target_gone"


@dataclass(frozen=True)
class Adjustment:
    adjustment_id: int
    external_id: str
    warehouse_id: int
    bin_id: int
    item_id: int
    lot_number: str | None
    quantity_change: int
    reason_code: str
    status: str
    adjusted_by: str
    cycle_count_id: int | None = None

    @property
    def is_pending(self) -> bool:
        return self.status == PENDING


@dataclass(frozen=True)
class CountEvidence:
    """What the count saw, for the Sentry v1 `cycle_count.adjusted` payload."""

    cycle_count_external_id: str
    counted_quantity: int
    system_quantity: int
    counted_by: str
    counted_at: datetime


@dataclass(frozen=True)
class Review:
    """The outcome of one decision: the stock event (if any units moved) and the adjustment's events."""

    stock: DomainEvent | None
    events: list[DomainEvent]
    quantity_applied: int


def pending_adjustment(
    adjustment_id: int,
    external_id: str,
    place: Place,
    lot_number: str | None,
    quantity_change: int,
    reason_code: str,
    reason_detail: str,
    actor: str,
    now: datetime,
    cycle_count_id: int | None = None,
) -> DomainEvent:
    return DomainEvent(
        "adjustment.recorded",
        {
            "adjustment_id": adjustment_id,
            "external_id": external_id,
            "warehouse_id": place.warehouse_id,
            "bin_id": place.bin_id,
            "item_id": place.item_id,
            "lot_number": lot_number,
            "quantity_change": quantity_change,
            "reason_code": reason_code,
            "reason_detail": reason_detail,
            "status": PENDING,
            "adjusted_by": actor,
            "adjusted_at": now.isoformat(),
            "cycle_count_id": cycle_count_id,
        },
    )


def refuse_self_approval(adjustment: Adjustment, action: str, actor: str, separation_required: bool) -> bool:
    """True when this is a self-approval of a count the setting still allows (it is noted on the review).

    With `require_count_approval_separation` on, the counter may not approve their own variance.
    """
    own_count = action == APPROVE and adjustment.cycle_count_id is not None and adjustment.adjusted_by == actor
    if own_count and separation_required:
        raise SelfApprovalRefused(adjustment.adjustment_id)
    return own_count


def _reviewed(
    adjustment: Adjustment, status: str, applied: int, actor: str, now: datetime, self_approved: bool
) -> DomainEvent:
    return DomainEvent(
        "adjustment.reviewed",
        {
            "adjustment_id": adjustment.adjustment_id,
            "status": status,
            "reviewed_by": actor,
            "reviewed_at": now.isoformat(),
            "quantity_applied": applied,
            "self_approved": self_approved,
        },
    )


def reject_adjustment(adjustment: Adjustment, actor: str, now: datetime) -> Review:
    """Nothing reaches the stock and nothing goes out to integrations (v1.7 emits nothing on reject)."""
    return Review(None, [_reviewed(adjustment, REJECTED, 0, actor, now, False)], 0)


def approve_adjustment(
    adjustment: Adjustment,
    item: Item,
    bin_: Bin,
    position: Position | None,
    evidence: CountEvidence | None,
    actor: str,
    now: datetime,
    *,
    self_approved: bool = False,
) -> Review:
    """Apply the delta to the stock as it is now (not "set to counted").

    A removal takes only free units: on-hand never goes below zero (v1.7's floor) and units
    allocated to orders are never taken (they are promised; picking settles them). The
    difference is visible as `quantity_applied`, and the outgoing delta is what really moved.
    """
    movement = Movement("adjustment", "inventory_adjustment", adjustment.external_id)
    lot = Lot(adjustment.lot_number)
    stock: DomainEvent | None = None
    if adjustment.quantity_change > 0:
        place = Place(bin_.warehouse_id, bin_.bin_id, item.item_id)
        stock = add_stock(place, adjustment.quantity_change, lot, movement, now)
        applied = adjustment.quantity_change
    else:
        free = 0 if position is None else max(position.available, 0)
        taken = min(-adjustment.quantity_change, free)
        if taken > 0:
            stock = remove_stock(position, taken, lot, movement, now)
        applied = -taken
    events = [_reviewed(adjustment, APPROVED, applied, actor, now, self_approved)]
    if evidence is not None:
        events.append(
            DomainEvent(
                "cycle_count.adjusted",
                {
                    "cycle_count_external_id": evidence.cycle_count_external_id,
                    "item_external_id": item.external_id,
                    "bin_external_id": bin_.external_id,
                    "counted_quantity": evidence.counted_quantity,
                    "system_quantity": evidence.system_quantity,
                    "quantity_delta": applied,
                    "counted_by_user_external_id": evidence.counted_by,
                    "counted_at": sentry_timestamp(evidence.counted_at),
                },
            )
        )
    else:
        events.append(_applied(adjustment.external_id, item, bin_, applied, adjustment.reason_code, actor, now))
    return Review(stock, events, applied)


def _applied(
    external_id: str, item: Item, bin_: Bin, delta: int, reason_code: str, actor: str, now: datetime
) -> DomainEvent:
    return DomainEvent(
        "adjustment.applied",
        {
            "adjustment_external_id": external_id,
            "item_external_id": item.external_id,
            "bin_external_id": bin_.external_id,
            "quantity_delta": delta,
            "reason_code": reason_code,
            "applied_by_user_external_id": actor,
            "applied_at": sentry_timestamp(now),
        },
    )


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
    return stock, [recorded, _applied(external_id, item, bin_, change, DIRECT_ADJUSTMENT, actor, now)]


def adjustment_stream(adjustment_id: int) -> str:
    return f"adjustment-{adjustment_id}"
