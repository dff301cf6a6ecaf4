"""Shipping (v1.7 G.2): one fulfillment per order with carrier and tracking; stock already left at pick."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from inventory.domain.catalog.item import Item
from inventory.domain.events import DomainEvent, sentry_timestamp
from inventory.domain.orders.sales_order import SalesOrder, SalesOrderState
from inventory.domain.shipping.packing import package


class NotShippable(SalesOrderState):
    code = "sales_order_not_shippable"


def require_shippable(status: str, *, require_packing: bool) -> None:
    """PACKED always ships; PICKED only when `require_packing_before_shipping` is off."""
    if status == "PACKED" or (status == "PICKED" and not require_packing):
        return
    if status == "PICKED" or require_packing:
        text = "Order must be packed before shipping"
        raise NotShippable(f"{text} (status: {status}).", legacy_error=text, status=status)
    text = f"Order cannot be shipped (status: {status})"
    raise NotShippable(f"{text}.", legacy_error=text, status=status)


@dataclass(frozen=True)
class Shipment:
    fulfillment_id: int
    external_id: str
    carrier: str
    tracking_number: str
    ship_method: str | None


def fulfill(
    so: SalesOrder,
    shipment: Shipment,
    items: Mapping[int, Item],
    *,
    require_packing: bool,
    actor: str,
    now: datetime,
) -> list[DomainEvent]:
    """Lines with picked units ship them all; the order keeps its own ship_method (G.2)."""
    require_shippable(so.status, require_packing=require_packing)
    lines = tuple(
        replace(line, quantity_shipped=line.quantity_picked, status="SHIPPED") if line.quantity_picked else line
        for line in so.lines
    )
    shipped = replace(
        so,
        lines=lines,
        status="SHIPPED",
        shipped_at=now.isoformat(),
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        fulfillment_id=shipment.fulfillment_id,
        fulfillment_external_id=shipment.external_id,
    )
    confirmed = DomainEvent(
        "ship.confirmed",
        {
            "sales_order_external_id": so.external_id,
            "tracking_numbers": [shipment.tracking_number],
            "carrier": shipment.carrier,
            "service_level": shipment.ship_method,
            "packages": [package(shipped, items, lambda line: line.quantity_shipped)],
            "completed_by_user_external_id": actor,
            "completed_at": sentry_timestamp(now),
        },
    )
    return [DomainEvent("sales_order.shipped", shipped.state()), confirmed]
