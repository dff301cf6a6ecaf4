"""Adjustment commands."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from canonical.errors import NotFound
from canonical.events.factory import CommandContext
from inventory.domain.stock.adjustment import DirectAdjustment, adjustment_stream, apply_direct_adjustment
from inventory.domain.stock.ledger import stock_stream
from inventory.service_layer.stock.positions import lock_bins, lock_item, lock_stock
from inventory.service_layer.unit_of_work import UnitOfWork

BIN_NOT_IN_WAREHOUSE = "Bin not found in the specified warehouse"


async def handle_direct_adjustment(
    command: DirectAdjustment, uow: UnitOfWork, context: CommandContext
) -> dict[str, Any]:
    now = datetime.now(UTC)
    async with uow:
        item = await lock_item(uow, command.item_id)
        bin_ = (await lock_bins(uow, command.bin_id))[command.bin_id]
        # "Exists in another warehouse" must look the same as "does not exist".
        if bin_ is None or bin_.warehouse_id != command.warehouse_id:
            raise NotFound(f"{BIN_NOT_IN_WAREHOUSE}.", legacy_error=BIN_NOT_IN_WAREHOUSE)
        version = (await lock_stock(uow, item.item_id, bin_.bin_id))[bin_.bin_id]
        position = await uow.stock.position(bin_.bin_id, item.item_id, command.lot_number)
        adjustment_id = await uow.catalog.next_id("adjustment_id_seq")
        stock, adjustment = apply_direct_adjustment(
            command, adjustment_id, str(uuid.uuid4()), item, bin_, position, context.actor, now
        )
        scoped = replace(context, warehouse_id=bin_.warehouse_id)
        await uow.record(stock_stream(bin_.bin_id, item.item_id), version, [stock], scoped)
        await uow.record(adjustment_stream(adjustment_id), 0, adjustment, scoped)
    recorded = adjustment[0].data
    return {
        "adjustment_id": adjustment_id,
        "item_id": item.item_id,
        "sku": item.sku,
        "bin_id": bin_.bin_id,
        "bin_code": bin_.bin_code,
        "warehouse_id": bin_.warehouse_id,
        "adjustment_type": command.adjustment_type.upper(),
        "quantity_change": recorded["quantity_change"],
        "reason": recorded["reason_detail"],
        "status": recorded["status"],
        "adjusted_at": recorded["adjusted_at"],
    }
