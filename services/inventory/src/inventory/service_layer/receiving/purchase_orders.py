"""Purchase order commands: create, edit, close, reopen."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from canonical.events.factory import CommandContext
from inventory.domain.catalog.warehouse import UnknownWarehouse, warehouse_stream
from inventory.domain.events import DomainEvent
from inventory.domain.receiving.purchase_order import (
    DuplicatePoNumber,
    NewLine,
    PurchaseOrder,
    close_purchase_order,
    create_purchase_order,
    purchase_order_stream,
    reopen_purchase_order,
    update_purchase_order,
)
from inventory.service_layer.streams import load_locked
from inventory.service_layer.unit_of_work import UnitOfWork

PO_NOT_FOUND = "Purchase order not found"


def _number_lock(po_number: str) -> str:
    return f"po-number:{po_number}"


async def handle_create_purchase_order(
    fields: Mapping[str, Any], lines: Sequence[NewLine], uow: UnitOfWork, context: CommandContext
) -> dict[str, Any]:
    number = str(fields["po_number"]).strip()
    warehouse_id = int(fields["warehouse_id"])
    async with uow:
        # The warehouse shared (orders of one warehouse are created side by side; only a change to the
        # warehouse itself, exclusive through its stream, waits), then the number: one round trip.
        warehouse = warehouse_stream(warehouse_id)
        await uow.lock_streams([warehouse, _number_lock(number)], shared={warehouse})
        if await uow.catalog.warehouse(warehouse_id) is None:
            raise UnknownWarehouse(warehouse_id)
        if await uow.receiving.po_number_taken(number):
            raise DuplicatePoNumber(number)
        known = await uow.catalog.items_by_id(*(line.item_id for line in lines))
        unknown = [line.item_id for line in lines if line.item_id not in known]
        po_id = await uow.catalog.next_id("purchase_order_id_seq")
        line_ids = await uow.catalog.next_ids("purchase_order_line_id_seq", len(lines))
        event = create_purchase_order(
            po_id, str(uuid.uuid4()), fields, lines, line_ids, unknown, context.actor, datetime.now(UTC)
        )
        await uow.record(purchase_order_stream(po_id), 0, [event], replace(context, warehouse_id=warehouse_id))
        return event.data


async def _change(
    po_id: int,
    uow: UnitOfWork,
    context: CommandContext,
    decide: Callable[[PurchaseOrder], Awaitable[DomainEvent]],
) -> dict[str, Any]:
    stream = purchase_order_stream(po_id)
    async with uow:
        version, po = await load_locked(uow, stream, lambda: uow.receiving.purchase_order(po_id), PO_NOT_FOUND)
        event: DomainEvent = await decide(po)
        await uow.record(stream, version, [event], replace(context, warehouse_id=po.warehouse_id))
        return event.data


async def handle_update_purchase_order(
    po_id: int, changes: Mapping[str, Any], uow: UnitOfWork, context: CommandContext
) -> dict[str, Any]:
    async def decide(po: PurchaseOrder) -> DomainEvent:
        number = str(changes.get("po_number", po.po_number)).strip()
        taken = False
        if number != po.po_number:
            await uow.lock(_number_lock(number))
            taken = await uow.receiving.po_number_taken(number)
        return update_purchase_order(po, changes, number_taken=taken)

    return await _change(po_id, uow, context, decide)


async def handle_close_purchase_order(po_id: int, uow: UnitOfWork, context: CommandContext) -> dict[str, Any]:
    async def decide(po: PurchaseOrder) -> DomainEvent:
        return close_purchase_order(po)

    return await _change(po_id, uow, context, decide)


async def handle_reopen_purchase_order(po_id: int, uow: UnitOfWork, context: CommandContext) -> dict[str, Any]:
    async def decide(po: PurchaseOrder) -> DomainEvent:
        return reopen_purchase_order(po)

    return await _change(po_id, uow, context, decide)
