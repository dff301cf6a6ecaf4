"""Allocation of stock to orders, as a step inside a caller's unit of work (fulfilment builds on it)."""

from __future__ import annotations

from datetime import UTC, datetime

from canonical.events.factory import CommandContext
from inventory.domain.stock.ledger import Movement, allocate_stock, release_stock, stock_stream
from inventory.service_layer.stock.positions import lock_bins, lock_item, lock_stock
from inventory.service_layer.unit_of_work import UnitOfWork


async def allocate_units(
    uow: UnitOfWork,
    item_id: int,
    bin_id: int,
    lot_number: str | None,
    quantity: int,
    movement: Movement,
    context: CommandContext,
    *,
    release: bool = False,
) -> None:
    """Promise (or with `release`, give back) units of one position; call inside `async with uow`."""
    await lock_item(uow, item_id)
    await lock_bins(uow, bin_id)
    version = (await lock_stock(uow, item_id, bin_id))[bin_id]
    position = await uow.stock.position(bin_id, item_id, lot_number)
    decide = release_stock if release else allocate_stock
    event = decide(position, quantity, movement, datetime.now(UTC))
    await uow.record(stock_stream(bin_id, item_id), version, [event], context)
