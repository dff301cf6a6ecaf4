"""Shipping: fulfil a packed (or, with packing optional, picked) order with carrier and tracking (v1.7 G.2)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from canonical.events.factory import CommandContext
from inventory.domain.orders.sales_order import sales_order_stream
from inventory.domain.shipping.shipping import Shipment, fulfill
from inventory.service_layer.shipping.packing import Visible, locked_visible_order, order_items
from inventory.service_layer.unit_of_work import FulfilmentUnitOfWork


async def handle_fulfill(
    so_id: int,
    carrier: str,
    tracking_number: str,
    ship_method: str | None,
    uow: FulfilmentUnitOfWork,
    context: CommandContext,
    visible: Visible,
) -> dict[str, Any]:
    async with uow:
        locked = await locked_visible_order(uow, so_id, visible)
        so = locked.order
        items = await order_items(uow, so)
        settings = await uow.catalog.settings(so.warehouse_id)
        shipment = Shipment(
            await uow.orders.next_id("fulfillment_id_seq"), str(uuid.uuid4()), carrier, tracking_number, ship_method
        )
        events = fulfill(
            so,
            shipment,
            items,
            require_packing=settings.require_packing_before_shipping,
            actor=context.actor,
            now=datetime.now(UTC),
        )
        await uow.record(
            sales_order_stream(so_id), locked.version, events, replace(context, warehouse_id=so.warehouse_id)
        )
        shipped = [line for line in so.lines if line.quantity_picked]
        return {
            "message": "Shipment fulfilled",
            "fulfillment_id": shipment.fulfillment_id,
            "so_number": so.so_number,
            "tracking_number": tracking_number,
            "carrier": carrier,
            "ship_method": ship_method,
            "lines_shipped": len(shipped),
            "total_quantity": sum(line.quantity_picked for line in shipped),
        }
