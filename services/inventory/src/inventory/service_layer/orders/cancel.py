"""Cancelling a sales order (E.4 with the Part M 9 fixes).

Every allocation the order holds, in every batch and task state, is released
and every unit already picked for it goes back to its bin, each through an
explicit stock event; wave tasks shared with other orders keep their shares.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from canonical.events.factory import CommandContext
from inventory.domain.orders.sales_order import cancel_sales_order, sales_order_stream
from inventory.domain.picking.batch import batch_stream
from inventory.domain.picking.tasks import withdraw_order
from inventory.service_layer.orders.locks import lock_order
from inventory.service_layer.picking.batches import book_withdrawal
from inventory.service_layer.unit_of_work import FulfilmentUnitOfWork


async def handle_cancel_sales_order(so_id: int, uow: FulfilmentUnitOfWork, context: CommandContext) -> None:
    async with uow:
        locked = await lock_order(uow, so_id)
        so = locked.order
        event = cancel_sales_order(so, datetime.now(UTC))  # refuses PICKED and later before anything moves
        scoped = replace(context, warehouse_id=so.warehouse_id)
        for batch_id in await uow.picking.batches_of_order(so_id):
            version = await uow.lock_stream(batch_stream(batch_id))
            batch = await uow.picking.batch(batch_id)
            assert batch is not None  # batches are never deleted
            withdrawal = withdraw_order(batch, so_id)
            if withdrawal.events:
                await uow.record(batch_stream(batch_id), version, withdrawal.events, scoped)
            await book_withdrawal(uow, batch.warehouse_id, withdrawal, "order_cancelled", scoped)
        await uow.record(sales_order_stream(so_id), locked.version, [event], scoped)
