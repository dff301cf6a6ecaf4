"""Packing commands: verify a scanned item against the order, then complete (v1.7 G.1)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from canonical.errors import NotFound
from canonical.events.factory import CommandContext
from inventory.domain.catalog.item import Item
from inventory.domain.orders.sales_order import SalesOrder, sales_order_stream
from inventory.domain.shipping.packing import Verified, complete_pack, package_weight, verify_pack
from inventory.service_layer.orders.locks import SO_NOT_FOUND, Locked
from inventory.service_layer.stock.positions import lock_items
from inventory.service_layer.unit_of_work import FulfilmentUnitOfWork

Visible = Callable[[int], bool]  # whether the caller may see a record of that warehouse


async def locked_visible_order(uow: FulfilmentUnitOfWork, so_id: int, visible: Visible) -> Locked:
    """An order elsewhere answers exactly like a missing one (404), as v1.7's scanner lookups do."""
    version = await uow.lock_stream(sales_order_stream(so_id))
    so = await uow.orders.sales_order(so_id)
    if so is None or not visible(so.warehouse_id):
        raise NotFound(f"{SO_NOT_FOUND}.", legacy_error=SO_NOT_FOUND)
    return Locked(version, so)


async def order_items(uow: FulfilmentUnitOfWork, so: SalesOrder) -> dict[int, Item]:
    return await lock_items(uow, *(line.item_id for line in so.lines))


async def handle_verify_pack(
    so_id: int,
    scanned_barcode: str,
    quantity: int,
    uow: FulfilmentUnitOfWork,
    context: CommandContext,
    visible: Visible,
) -> tuple[Verified, Item]:
    async with uow:
        locked = await locked_visible_order(uow, so_id, visible)
        so = locked.order
        items = await order_items(uow, so)
        accept_sku = (await uow.catalog.settings(so.warehouse_id)).accept_sku_scan
        verified = verify_pack(so, scanned_barcode, quantity, items, accept_sku=accept_sku)
        scoped = replace(context, warehouse_id=so.warehouse_id)
        await uow.record(sales_order_stream(so_id), locked.version, [verified.event], scoped)
        return verified, items[verified.line.item_id]


async def handle_complete_pack(
    so_id: int, uow: FulfilmentUnitOfWork, context: CommandContext, visible: Visible
) -> dict[str, Any]:
    async with uow:
        locked = await locked_visible_order(uow, so_id, visible)
        so = locked.order
        items = await order_items(uow, so)
        events = complete_pack(so, items, context.actor, datetime.now(UTC))
        await uow.record(
            sales_order_stream(so_id), locked.version, events, replace(context, warehouse_id=so.warehouse_id)
        )
        return {
            "message": "Packing completed",
            "so_number": so.so_number,
            "status": "PACKED",
            "total_items": sum(line.quantity_picked for line in so.lines),
            "calculated_weight_lbs": package_weight(so, items),
        }
