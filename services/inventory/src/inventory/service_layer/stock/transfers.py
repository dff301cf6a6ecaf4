"""Bin-to-bin move and put-away confirm: one movement, two ways of recording it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from canonical.errors import NotFound
from canonical.events.factory import CommandContext
from canonical.eventstore.unit_of_work import Recorded
from inventory.domain.catalog.bin import Bin
from inventory.domain.catalog.item import Item
from inventory.domain.stock.ledger import Position, stock_stream
from inventory.domain.stock.transfer import (
    MoveDecision,
    MoveStock,
    move_between_bins,
    transfer_between_warehouses,
    transfer_stream,
)
from inventory.service_layer.stock.positions import lock_bins, lock_item, lock_stock
from inventory.service_layer.unit_of_work import UnitOfWork

Authorize = Callable[[Bin, Bin], None]
Decide = Callable[[MoveStock, int, str, Item, Bin, Bin, Position | None, str, datetime], MoveDecision]


def in_source_warehouse(authorize: Callable[[int], None]) -> Authorize:
    """Moves and put-away: the caller must work in the source bin's warehouse (v1.7's post-load check)."""
    return lambda source, _: authorize(source.warehouse_id)


@dataclass(frozen=True)
class Transferred:
    transfer_id: int
    item: Item
    source: Bin
    destination: Bin
    remaining: int  # left at the source (this lot)
    landed: int  # now at the destination (this lot)
    transferred_at: str


async def _transfer(
    command: MoveStock, decide: Decide, uow: UnitOfWork, context: CommandContext, authorize: Authorize
) -> Transferred:
    """`authorize(source, destination)` raises when the caller may not move between these bins."""
    now = datetime.now(UTC)
    async with uow:
        item = await lock_item(uow, command.item_id)
        bins = await lock_bins(uow, command.from_bin_id, command.to_bin_id)
        source, destination = bins[command.from_bin_id], bins[command.to_bin_id]
        if source is None:
            raise NotFound("Source bin not found.", legacy_error="Source bin not found")
        if destination is None:
            raise NotFound("Destination bin not found.", legacy_error="Destination bin not found")
        authorize(source, destination)
        versions = await lock_stock(uow, item.item_id, source.bin_id, destination.bin_id)
        position = await uow.stock.position(source.bin_id, item.item_id, command.lot_number)
        landing = await uow.stock.position(destination.bin_id, item.item_id, command.lot_number)
        transfer_id = await uow.catalog.next_id("transfer_id_seq")
        decision = decide(
            command, transfer_id, str(uuid.uuid4()), item, source, destination, position, context.actor, now
        )
        scoped = replace(context, warehouse_id=source.warehouse_id)
        removed, added = decision.stock_events
        await uow.record_all(
            [
                Recorded(stock_stream(source.bin_id, item.item_id), versions[source.bin_id], [removed]),
                Recorded(stock_stream(destination.bin_id, item.item_id), versions[destination.bin_id], [added]),
                Recorded(transfer_stream(transfer_id), 0, decision.transfer_events),
            ],
            scoped,
        )
    remaining = (position.on_hand if position else 0) - command.quantity
    landed = (landing.on_hand if landing else 0) + command.quantity
    return Transferred(transfer_id, item, source, destination, remaining, landed, now.isoformat())


async def handle_move(
    command: MoveStock, uow: UnitOfWork, context: CommandContext, authorize: Authorize
) -> dict[str, Any]:
    done = await _transfer(command, move_between_bins, uow, context, authorize)
    return {
        "message": "Transfer completed",
        "transfer_id": done.transfer_id,
        "item": {"sku": done.item.sku, "item_name": done.item.item_name},
        "from_bin": {"bin_code": done.source.bin_code, "remaining_quantity": done.remaining},
        "to_bin": {"bin_code": done.destination.bin_code, "new_quantity": done.landed},
        "quantity_moved": command.quantity,
    }


async def handle_put_away(
    command: MoveStock, uow: UnitOfWork, context: CommandContext, authorize: Authorize
) -> dict[str, Any]:
    done = await _transfer(command, partial(move_between_bins, transfer_type="PUTAWAY"), uow, context, authorize)
    return {
        "message": "Put-away completed",
        "transfer_id": done.transfer_id,
        "item": done.item.sku,
        "from_bin": done.source.bin_code,
        "to_bin": done.destination.bin_code,
        "quantity": command.quantity,
    }


async def handle_inter_warehouse_transfer(
    command: MoveStock, from_warehouse_id: int, to_warehouse_id: int, uow: UnitOfWork, context: CommandContext
) -> dict[str, Any]:
    """Admin only; each bin must be in the warehouse the request names for it (404 otherwise, as in v1.7)."""

    def named_warehouses(source: Bin, destination: Bin) -> None:
        if source.warehouse_id != from_warehouse_id:
            missing = "Source bin not found in source warehouse"
            raise NotFound(f"{missing}.", legacy_error=missing)
        if destination.warehouse_id != to_warehouse_id:
            missing = "Destination bin not found in destination warehouse"
            raise NotFound(f"{missing}.", legacy_error=missing)

    done = await _transfer(command, transfer_between_warehouses, uow, context, named_warehouses)
    return {
        "transfer_id": done.transfer_id,
        "item_id": done.item.item_id,
        "sku": done.item.sku,
        "from_bin_id": done.source.bin_id,
        "from_bin_code": done.source.bin_code,
        "from_warehouse_id": done.source.warehouse_id,
        "to_bin_id": done.destination.bin_id,
        "to_bin_code": done.destination.bin_code,
        "to_warehouse_id": done.destination.warehouse_id,
        "quantity": command.quantity,
        "reason": command.reason,
        "transferred_at": done.transferred_at,
    }
