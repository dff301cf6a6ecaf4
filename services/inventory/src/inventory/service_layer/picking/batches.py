"""Creating, completing and cancelling pick batches and waves (v1.7 F.5, F.6, F.10, F.11)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from canonical.errors import Conflict, DomainError, NotFound
from canonical.events.factory import CommandContext
from inventory.domain.orders.sales_order import (
    SalesOrder,
    allocate_lines,
    complete_picking,
    release_lines,
    sales_order_stream,
)
from inventory.domain.picking.batch import (
    BatchNotFound,
    PickBatch,
    batch_stream,
    new_batch,
    plan_classic,
    plan_wave,
)
from inventory.domain.picking.tasks import Withdrawal, cancel_batch, complete_batch
from inventory.domain.stock.ledger import Movement
from inventory.service_layer.orders.locks import Locked, lock_orders
from inventory.service_layer.picking.booking import StockBooking
from inventory.service_layer.stock.positions import lock_items
from inventory.service_layer.unit_of_work import FulfilmentUnitOfWork

Access = Callable[[int], None]  # raises when the caller may not work in that warehouse


class OrderNotPickable(DomainError):
    code = "sales_order_not_pickable"


class OrderInActiveBatch(Conflict):
    code = "sales_order_in_active_batch"

    def __init__(self, so: SalesOrder, batch_id: int) -> None:
        text = f"Order {so.so_number} is already in active pick batch {batch_id}"
        super().__init__(f"{text}.", legacy_error=text, so_number=so.so_number, batch_id=batch_id)


class DuplicateOrders(DomainError):
    code = "duplicate_sales_orders"

    def __init__(self) -> None:
        super().__init__("The same sales order is named twice.", legacy_error="Duplicate SO IDs")


@dataclass(frozen=True)
class Created:
    batch: PickBatch
    warnings: list[dict[str, Any]]


def _require_pickable(so: SalesOrder) -> None:
    if so.status != "OPEN":
        text = f"Sales order {so.so_number} must be OPEN (it is {so.status})"
        raise OrderNotPickable(f"{text}.", legacy_error=text, so_number=so.so_number)
    if not so.lines:
        text = f"Sales order {so.so_number}: Order has no items"
        raise OrderNotPickable(f"{text}.", legacy_error=text, so_number=so.so_number)


async def _create(
    uow: FulfilmentUnitOfWork, kind: str, warehouse_id: int, locked: Sequence[Locked], context: CommandContext
) -> Created:
    """Orders are locked and checked; allocate, book every take and write the batch, all in this transaction."""
    now = datetime.now(UTC)
    orders = [entry.order for entry in locked]
    scoped = replace(context, warehouse_id=warehouse_id)
    batch_id = await uow.picking.next_id("pick_batch_id_seq")
    await uow.lock_stream(batch_stream(batch_id))
    item_ids = sorted({line.item_id for so in orders for line in so.lines if line.need})
    items = await lock_items(uow, *item_ids)
    booking = StockBooking(uow, warehouse_id, scoped, now)
    seen = await uow.picking.candidates(warehouse_id, item_ids)
    await booking.lock((c.bin_id, c.item_id, c.lot_number) for c in seen)
    # Read again under the stream locks: only these figures may be promised.
    candidates = await uow.picking.candidates(warehouse_id, item_ids)
    locked_places = {(c.bin_id, c.item_id) for c in seen}
    candidates = [c for c in candidates if (c.bin_id, c.item_id) in locked_places]
    strategy = (await uow.catalog.settings(warehouse_id)).allocation_strategy
    if kind == "WAVE":
        plan = plan_wave(orders, candidates, strategy, {i: item.sku for i, item in items.items()})
    else:
        plan = plan_classic(orders, candidates, strategy)
    task_ids = await uow.picking.next_ids("pick_task_id_seq", len(plan.tasks))
    batch, created = new_batch(batch_id, kind, warehouse_id, orders, plan, task_ids, context.actor, now)
    await uow.record(batch_stream(batch_id), 0, [created], scoped)
    for task in batch.tasks:
        movement = Movement("allocation", "pick_task", str(task.pick_task_id))
        await booking.allocate((task.bin_id, task.item_id, task.lot_number), task.quantity_to_pick, movement)
    per_order = plan.allocated_per_order()
    for entry in locked:
        so = entry.order
        await uow.record(
            sales_order_stream(so.so_id), entry.version, [allocate_lines(so, per_order.get(so.so_id, {}))], scoped
        )
    return Created(batch, plan.warnings)


async def handle_create_batch(
    identifiers: Sequence[str], warehouse_id: int, uow: FulfilmentUnitOfWork, context: CommandContext
) -> Created:
    """Classic batch: orders by number or barcode, in request order (totes TOTE-1..n)."""
    async with uow:
        so_ids: list[int] = []
        for identifier in identifiers:
            so_id = await uow.orders.so_id_by_barcode(identifier, warehouse_id)
            if so_id is None:
                text = f"Sales order {identifier} not found in this warehouse"
                raise OrderNotPickable(f"{text}.", legacy_error=text, so_identifier=identifier)
            if so_id in so_ids:
                raise DuplicateOrders()
            so_ids.append(so_id)
        locked = await lock_orders(uow, so_ids)
        for so_id in so_ids:
            _require_pickable(locked[so_id].order)
        return await _create(uow, "BATCH", warehouse_id, [locked[i] for i in so_ids], context)


async def handle_create_wave(
    so_ids: Sequence[int], warehouse_id: int, uow: FulfilmentUnitOfWork, context: CommandContext
) -> Created:
    """Wave: orders by id; every order must be OPEN, here, with lines and in no active batch."""
    if len(set(so_ids)) != len(so_ids):
        raise DuplicateOrders()
    async with uow:
        try:
            locked = await lock_orders(uow, so_ids)
        except NotFound as missing:
            raise OrderNotPickable(missing.message, legacy_error=missing.legacy_error) from None
        for so_id in so_ids:
            so = locked[so_id].order
            if so.warehouse_id != warehouse_id:
                text = f"Sales order {so_id} not found in this warehouse"
                raise OrderNotPickable(f"{text}.", legacy_error=text)
            active = await uow.picking.active_batch_of(so_id)
            if active is not None:
                raise OrderInActiveBatch(so, active)
            _require_pickable(so)
        return await _create(uow, "WAVE", warehouse_id, [locked[i] for i in so_ids], context)


async def _lock_batch(
    uow: FulfilmentUnitOfWork, batch_id: int, access: Access
) -> tuple[dict[int, Locked], int, PickBatch]:
    """Orders first, then the batch (the global lock order); the batch's order list never grows."""
    found = await uow.picking.batch(batch_id)
    if found is None:
        raise BatchNotFound()
    access(found.warehouse_id)
    orders = await lock_orders(uow, (o.so_id for o in found.orders))
    version = await uow.lock_stream(batch_stream(batch_id))
    batch = await uow.picking.batch(batch_id)
    assert batch is not None  # batches are never deleted
    return orders, version, batch


async def handle_complete_batch(
    batch_id: int, uow: FulfilmentUnitOfWork, context: CommandContext, access: Access
) -> tuple[PickBatch, list[SalesOrder]]:
    """Every order still PICKING becomes PICKED with Sentry's `pick.confirmed` (one per order)."""
    now = datetime.now(UTC)
    async with uow:
        orders, version, batch = await _lock_batch(uow, batch_id, access)
        done, completed = complete_batch(batch, now)
        scoped = replace(context, warehouse_id=batch.warehouse_id)
        await uow.record(batch_stream(batch_id), version, [completed], scoped)
        picked = []
        for entry in orders.values():
            so = entry.order
            if so.status != "PICKING":
                continue  # e.g. cancelled while its batch was open
            items = await lock_items(uow, *(line.item_id for line in so.lines))
            events = complete_picking(so, {i: item.external_id for i, item in items.items()}, context.actor, now)
            await uow.record(sales_order_stream(so.so_id), entry.version, events, scoped)
            picked.append(so)
        return done, picked


async def book_withdrawal(
    uow: FulfilmentUnitOfWork, warehouse_id: int, withdrawal: Withdrawal, reason: str, context: CommandContext
) -> None:
    """Give back what a cancelled batch or order held: allocation of pending work, picked units to their bins."""
    now = datetime.now(UTC)
    booking = StockBooking(uow, warehouse_id, context, now)
    moves = [*withdrawal.released, *withdrawal.returned]
    await booking.lock((t.bin_id, t.item_id, t.lot_number) for t, _ in moves)
    for task, quantity in withdrawal.released:
        movement = Movement(reason, "pick_task", str(task.pick_task_id))
        await booking.release((task.bin_id, task.item_id, task.lot_number), quantity, movement)
    for task, quantity in withdrawal.returned:
        movement = Movement(reason, "pick_task", str(task.pick_task_id))
        await booking.put_back((task.bin_id, task.item_id, task.lot_number), quantity, movement)


async def handle_cancel_batch(
    batch_id: int, uow: FulfilmentUnitOfWork, context: CommandContext, access: Access
) -> None:
    """Pending work is released on the shelves and on the order lines; the orders are OPEN again."""
    async with uow:
        orders, version, batch = await _lock_batch(uow, batch_id, access)
        _, withdrawal = cancel_batch(batch, datetime.now(UTC))
        scoped = replace(context, warehouse_id=batch.warehouse_id)
        await uow.record(batch_stream(batch_id), version, withdrawal.events, scoped)
        await book_withdrawal(uow, batch.warehouse_id, withdrawal, "batch_cancelled", scoped)
        for so_id, entry in orders.items():
            if entry.order.status not in {"OPEN", "PICKING"}:
                continue
            released = {line: q for (so, line), q in withdrawal.per_line.items() if so == so_id}
            await uow.record(sales_order_stream(so_id), entry.version, [release_lines(entry.order, released)], scoped)
