"""Scanner commands on one pick task: confirm (scan-verified) and short (v1.7 F.8, F.9).

One transaction books the task, the stock (allocation released, picked units
out, missing units held for a count) and the order lines that got the units.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from canonical.events.factory import CommandContext
from inventory.domain.orders.sales_order import credit_picks, sales_order_stream
from inventory.domain.picking.batch import PickBatch, batch_stream, with_tasks
from inventory.domain.picking.tasks import PickTaskNotFound, Settled, confirm_pick, short_pick
from inventory.domain.stock.ledger import Movement
from inventory.service_layer.counts.holds import open_short_count
from inventory.service_layer.orders.locks import lock_orders
from inventory.service_layer.picking.booking import StockBooking
from inventory.service_layer.stock.positions import lock_item
from inventory.service_layer.unit_of_work import PickFloorUnitOfWork

Access = Callable[[int], None]
Decide = Callable[[PickBatch, datetime], Awaitable[Settled]]


@dataclass(frozen=True)
class TaskResult:
    settled: Settled
    sku: str
    bin_code: str
    remaining_tasks: int


async def _settle(
    pick_task_id: int, uow: PickFloorUnitOfWork, context: CommandContext, access: Access, decide: Decide
) -> TaskResult:
    now = datetime.now(UTC)
    async with uow:
        refs = await uow.picking.task_refs(pick_task_id)
        if refs is None:
            raise PickTaskNotFound()
        batch_id, so_ids = refs
        orders = await lock_orders(uow, so_ids)
        version = await uow.lock_stream(batch_stream(batch_id))
        batch = await uow.picking.batch(batch_id)
        assert batch is not None  # batches are never deleted
        access(batch.warehouse_id)
        settled = await decide(batch, now)
        task = settled.task
        scoped = replace(context, warehouse_id=batch.warehouse_id)
        await uow.record(batch_stream(batch_id), version, [settled.event], scoped)
        for so_id, entry in orders.items():
            picked = {line: q for (so, line), q in settled.picked.items() if so == so_id}
            shorted = {line: q for (so, line), q in settled.shorted.items() if so == so_id}
            if picked or shorted:
                event = credit_picks(entry.order, picked, shorted)
                await uow.record(sales_order_stream(so_id), entry.version, [event], scoped)
        # The pick face's stock stream is the lock pickers contend for: taken last, held the shortest.
        booking = StockBooking(uow, batch.warehouse_id, scoped, now)
        spot = (task.bin_id, task.item_id, task.lot_number)
        await booking.lock([spot])
        movement = Movement("pick", "pick_task", str(task.pick_task_id))
        await booking.pick(spot, task.quantity_to_pick, task.quantity_picked, settled.shortage, movement)
        if settled.shortage:  # the held units wait for a count of their bin (a partial confirm too)
            await open_short_count(uow, task, settled.shortage, scoped, now)
        bin_ = booking.bins.get(task.bin_id)
        return TaskResult(
            settled,
            sku=booking.items[task.item_id].sku,
            bin_code="" if bin_ is None else bin_.bin_code,
            remaining_tasks=len(with_tasks(batch, [task]).pending()),
        )


async def handle_confirm_pick(
    pick_task_id: int,
    scanned_barcode: str,
    quantity: int,
    uow: PickFloorUnitOfWork,
    context: CommandContext,
    access: Access,
) -> TaskResult:
    """The barcode must be the task item's UPC or alias, or its SKU unless `accept_sku_scan` is off."""

    async def decide(batch: PickBatch, now: datetime) -> Settled:
        task = batch.task(pick_task_id)
        if task is None:
            raise PickTaskNotFound()
        item = await lock_item(uow, task.item_id)
        accept_sku = (await uow.catalog.settings(batch.warehouse_id)).accept_sku_scan
        return confirm_pick(
            batch, pick_task_id, scanned_barcode, quantity, item, accept_sku=accept_sku, actor=context.actor, now=now
        )

    return await _settle(pick_task_id, uow, context, access, decide)


async def handle_short_pick(
    pick_task_id: int, available: int, uow: PickFloorUnitOfWork, context: CommandContext, access: Access
) -> TaskResult:
    async def decide(batch: PickBatch, now: datetime) -> Settled:
        return short_pick(batch, pick_task_id, available, actor=context.actor, now=now)

    return await _settle(pick_task_id, uow, context, access, decide)
