"""Packing (v1.7 G.1): verify every picked unit by scan, then complete; one synthetic package per order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from canonical.errors import DomainError
from inventory.domain.catalog.item import Item
from inventory.domain.events import DomainEvent, sentry_timestamp
from inventory.domain.orders.sales_order import SalesOrder, SalesOrderState, SoLine

MAX_VERIFY_QUANTITY = 100_000


class NotReadyForPacking(SalesOrderState):
    def __init__(self, status: str) -> None:
        text = f"Order not ready for packing (status: {status})"
        super().__init__(f"{text}.", legacy_error=text, status=status)


class PackScanRejected(DomainError):
    code = "pack_scan_rejected"


class LinesUnverified(DomainError):
    code = "lines_not_verified"

    def __init__(self, count: int) -> None:
        text = f"{count} line(s) not yet verified"
        super().__init__(f"{text}.", legacy_error=text, unverified=count)


def require_packable(status: str) -> None:
    if status != "PICKED":
        raise NotReadyForPacking(status)


def weight_of(lines: Iterable[tuple[float | None, int]]) -> float:
    """Sum of weight times picked units, rounded to 2 decimals; an item without a weight weighs nothing (G.1)."""
    return round(sum((weight or 0) * picked for weight, picked in lines), 2)


def package_weight(so: SalesOrder, items: Mapping[int, Item]) -> float:
    return weight_of((items[line.item_id].weight_lbs, line.quantity_picked) for line in so.lines)


def package(so: SalesOrder, items: Mapping[int, Item], quantity: Callable[[SoLine], int]) -> dict[str, Any]:
    """Sentry's single package: `<so external id>-pkg-1`, no dimensions."""
    return {
        "package_external_id": f"{so.external_id}-pkg-1",
        "weight_lb": package_weight(so, items),
        "dimensions_in": None,
        "lines": [
            {"item_external_id": items[line.item_id].external_id, "quantity_packed": quantity(line)}
            for line in so.lines_in_order()
        ],
    }


@dataclass(frozen=True)
class Verified:
    event: DomainEvent
    line: SoLine
    order: SalesOrder


def verify_pack(
    so: SalesOrder, scanned: str, quantity: int, items: Mapping[int, Item], *, accept_sku: bool
) -> Verified:
    """The first line of the scanned item that still has picked units to verify takes the scan."""
    require_packable(so.status)
    matching = [
        line for line in so.lines_in_order() if items[line.item_id].matches_scan(scanned, accept_sku=accept_sku)
    ]
    if not matching:
        raise PackScanRejected("Item not found on this order.", legacy_error="Item not found on this order")
    line = next((m for m in matching if m.quantity_picked > m.quantity_packed), None)
    if line is None:
        text = "Item already fully verified on this order"
        raise PackScanRejected(f"{text}.", legacy_error=text)
    left = line.quantity_picked - line.quantity_packed
    if not 1 <= quantity <= left:
        text = f"Quantity {quantity} exceeds the {left} remaining to verify"
        raise PackScanRejected(f"{text}.", legacy_error=text, remaining=left)
    packed = line.quantity_packed + quantity
    updated = replace(line, quantity_packed=packed, status="PACKED" if packed >= line.quantity_picked else line.status)
    order = replace(so, lines=tuple(updated if x.so_line_id == line.so_line_id else x for x in so.lines))
    return Verified(DomainEvent("sales_order.pack_verified", order.state()), updated, order)


def complete_pack(so: SalesOrder, items: Mapping[int, Item], actor: str, now: datetime) -> list[DomainEvent]:
    """PICKED -> PACKED once every line is verified; Sentry's `pack.confirmed` goes out with it."""
    require_packable(so.status)
    unverified = sum(not line.pack_verified for line in so.lines)
    if unverified:
        raise LinesUnverified(unverified)
    packed = replace(so, status="PACKED", packed_at=now.isoformat())
    confirmed = DomainEvent(
        "pack.confirmed",
        {
            "sales_order_external_id": so.external_id,
            "packages": [package(so, items, lambda line: line.quantity_packed)],
            "completed_by_user_external_id": actor,
            "completed_at": sentry_timestamp(now),
        },
    )
    return [DomainEvent("sales_order.packed", packed.state()), confirmed]
