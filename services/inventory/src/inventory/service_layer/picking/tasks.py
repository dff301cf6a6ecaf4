"""Scanner commands on one pick task: confirm (scan-verified) and short (v1.7 F.8, F.9).

One transaction books the task, the stock (allocation released, picked units
out, missing units held for a count) and the order lines that got the units.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from canonical.events.factory import CommandContext
from canonical.eventstore.unit_of_work import Recorded
from inventory.domain.catalog.item import Item
from inventory.domain.orders.sales_order import credit_picks, sales_order_stream
from inventory.domain.picking.batch import PickBatch, batch_stream, with_tasks
from inventory.domain.picking.tasks import PickTaskNotFound, Settled, confirm_pick, short_pick
from inventory.domain.stock.ledger import Movement
from inventory.service_layer.counts.holds import open_short_count
from inventory.service_layer.orders.locks import locked_orders, order_lock_order
from inventory.service_layer.picking.booking import StockBooking
from inventory.service_layer.stock.positions import existing_item
from inventory.service_layer.unit_of_work import PickFloorUnitOfWork

Access = Callable[[int], None]
Decide = Callable[[PickBatch, Mapping[int, Item], datetime], Awaitable[Settled]]  # items: the pick face's


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
        # Every lock in one round trip, in the global order: orders, the batch, then the pick face's item, bin
        # and stock stream (the lock pickers contend for; the whole command is a handful of round trips).
        spot = (refs.bin_id, refs.item_id, refs.lot_number)
        stock_names, shared = StockBooking.lock_order([spot])
        versions = await uow.lock_streams(
            [*order_lock_order(refs.so_ids), batch_stream(refs.batch_id), *stock_names], shared=shared
        )
        orders = await locked_orders(uow, refs.so_ids, versions)
        batch = await uow.picking.batch(refs.batch_id)
        assert batch is not None  # batches are never deleted
        access(batch.warehouse_id)
        scoped = replace(context, warehouse_id=batch.warehouse_id)
        booking = StockBooking(uow, batch.warehouse_id, scoped, now)
        await booking.locked([spot], versions)
        settled = await decide(batch, booking.items, now)
        task = settled.task
        appends = [Recorded(batch_stream(refs.batch_id), versions[batch_stream(refs.batch_id)], [settled.event])]
        for so_id, entry in orders.items():
            picked = {line: q for (so, line), q in settled.picked.items() if so == so_id}
            shorted = {line: q for (so, line), q in settled.shorted.items() if so == so_id}
            if picked or shorted:
                event = credit_picks(entry.order, picked, shorted)
                appends.append(Recorded(sales_order_stream(so_id), entry.version, [event]))
        movement = Movement("pick", "pick_task", str(task.pick_task_id))
        appends.append(
            await booking.pick(spot, task.quantity_to_pick, task.quantity_picked, settled.shortage, movement)
        )
        await uow.record_all(appends, scoped)
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

    async def decide(batch: PickBatch, items: Mapping[int, Item], now: datetime) -> Settled:
        task = batch.task(pick_task_id)
        if task is None:
            raise PickTaskNotFound()
        item = existing_item(items, task.item_id)
        # The setting decides only a scan that is not the UPC or an alias: the usual scan reads no settings.
        accept_sku = (
            item.matches_scan(scanned_barcode, accept_sku=False)
            or (await uow.catalog.settings(batch.warehouse_id)).accept_sku_scan
        )
        return confirm_pick(
            batch, pick_task_id, scanned_barcode, quantity, item, accept_sku=accept_sku, actor=context.actor, now=now
        )

    return await _settle(pick_task_id, uow, context, access, decide)


async def handle_short_pick(
    pick_task_id: int, available: int, uow: PickFloorUnitOfWork, context: CommandContext, access: Access
) -> TaskResult:
    async def decide(batch: PickBatch, items: Mapping[int, Item], now: datetime) -> Settled:
        return short_pick(batch, pick_task_id, available, actor=context.actor, now=now)

    return await _settle(pick_task_id, uow, context, access, decide)
