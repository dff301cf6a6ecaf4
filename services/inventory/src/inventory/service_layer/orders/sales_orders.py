"""Sales order commands: create, edit, and the inbound import (create or update by SO number)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from canonical.events.factory import CommandContext
from canonical.models import CanonicalSalesOrder
from inventory.domain.catalog.warehouse import UnknownWarehouse
from inventory.domain.events import DomainEvent
from inventory.domain.orders.sales_order import (
    DuplicateSoNumber,
    InvalidSalesOrder,
    NewSoLine,
    create_sales_order,
    replace_lines,
    sales_order_stream,
    update_sales_order,
)
from inventory.service_layer.orders.locks import lock_order
from inventory.service_layer.stock.positions import lock_items
from inventory.service_layer.unit_of_work import FulfilmentUnitOfWork


def _number_lock(so_number: str) -> str:
    return f"so-number:{so_number}"


async def _create(
    fields: Mapping[str, Any], lines: Sequence[NewSoLine], uow: FulfilmentUnitOfWork, context: CommandContext
) -> int:
    """Inside the caller's transaction, with the number lock held."""
    warehouse_id = int(fields["warehouse_id"])
    # Shared, in one round trip: orders of one warehouse are created side by side; only a change to the
    # warehouse itself (exclusive, through its stream) waits, so it cannot vanish under the order, and no
    # item can be deleted between these checks and the order naming it.
    known = await lock_items(uow, *(line.item_id for line in lines), warehouse_id=warehouse_id)
    if await uow.catalog.warehouse(warehouse_id) is None:
        raise UnknownWarehouse(warehouse_id)
    unknown = [line.item_id for line in lines if line.item_id not in known]
    so_id = await uow.orders.next_id("sales_order_id_seq")
    line_ids = await uow.orders.next_ids("sales_order_line_id_seq", len(lines))
    event = create_sales_order(
        so_id, str(uuid.uuid4()), fields, lines, line_ids, unknown, context.actor, datetime.now(UTC)
    )
    await uow.record(sales_order_stream(so_id), 0, [event], replace(context, warehouse_id=warehouse_id))
    return so_id


async def handle_create_sales_order(
    fields: Mapping[str, Any], lines: Sequence[NewSoLine], uow: FulfilmentUnitOfWork, context: CommandContext
) -> int:
    number = str(fields["so_number"]).strip()
    async with uow:
        await uow.lock(_number_lock(number))
        if await uow.orders.so_id_by_number(number) is not None:
            raise DuplicateSoNumber(number)
        return await _create(fields, lines, uow, context)


async def _update(
    so_id: int,
    changes: Mapping[str, Any],
    lines: Sequence[NewSoLine] | None,
    uow: FulfilmentUnitOfWork,
    context: CommandContext,
) -> None:
    locked = await lock_order(uow, so_id)
    so = locked.order
    number = str(changes.get("so_number", so.so_number)).strip()
    taken = False
    if number != so.so_number:
        await uow.lock(_number_lock(number))
        taken = await uow.orders.so_id_by_number(number) is not None
    if lines is not None:
        known = await lock_items(uow, *(line.item_id for line in lines))
        unknown = [line.item_id for line in lines if line.item_id not in known]
        if unknown:
            raise InvalidSalesOrder(f"Item {unknown[0]} not found.", legacy_error=f"Item {unknown[0]} not found")
        line_ids = await uow.orders.next_ids("sales_order_line_id_seq", len(lines))
        so = replace_lines(so, lines, line_ids)
        changes = changes or {"so_number": so.so_number}  # new lines alone are an update too
    event: DomainEvent = update_sales_order(so, changes, number_taken=taken)
    await uow.record(sales_order_stream(so_id), locked.version, [event], replace(context, warehouse_id=so.warehouse_id))


async def handle_update_sales_order(
    so_id: int, changes: Mapping[str, Any], uow: FulfilmentUnitOfWork, context: CommandContext
) -> None:
    async with uow:
        await _update(so_id, changes, None, uow, context)


def _moment(value: datetime | date) -> str:
    """A date alone means midnight UTC; a naive time is taken as UTC."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def canonical_fields(order: CanonicalSalesOrder) -> dict[str, Any]:
    """The fields the source declared (field-set isolation: what it left out is never touched)."""
    declared = order.model_dump(exclude_unset=True, exclude={"lines"})
    if declared.get("customer_id") is not None:
        declared["customer_id"] = str(declared["customer_id"])
    if declared.get("order_date") is not None:
        declared["order_date"] = _moment(declared["order_date"])
    if declared.get("ship_by_date") is not None:
        declared["ship_by_date"] = declared["ship_by_date"].isoformat()[:10]
    return declared


@dataclass(frozen=True)
class ImportedOrder:
    so_id: int
    created: bool  # False: an existing order, updated (or already as sent)


async def import_sales_order(
    uow: FulfilmentUnitOfWork, order: CanonicalSalesOrder, item_ids: list[int], context: CommandContext
) -> ImportedOrder:
    """An inbound order: created when its SO number is new, else updated while OPEN (409/400 otherwise).

    `item_ids[i]` is the inventory item of `order.lines[i]`. Lines, when sent, replace the order's lines.
    """
    fields = canonical_fields(order)
    lines = None
    if order.lines is not None:
        lines = [
            NewSoLine(item_id, line.quantity_ordered, line.line_number)
            for item_id, line in zip(item_ids, order.lines, strict=True)
        ]
    number = order.so_number.strip()
    async with uow:
        await uow.lock(_number_lock(number))
        so_id = await uow.orders.so_id_by_number(number)
        if so_id is None:
            if order.warehouse_id is None:
                raise InvalidSalesOrder("A new sales order needs a warehouse_id.")
            return ImportedOrder(await _create(fields, lines or [], uow, context), created=True)
        changes = {k: v for k, v in fields.items() if k not in {"so_number", "warehouse_id"}}
        if changes or lines is not None:
            await _update(so_id, changes, lines, uow, context)
        return ImportedOrder(so_id, created=False)
