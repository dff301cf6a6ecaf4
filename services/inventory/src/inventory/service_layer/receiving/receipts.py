"""Receive against a purchase order, and undo a receiving session."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from canonical.errors import NotFound
from canonical.events.factory import CommandContext
from inventory.domain.events import DomainEvent
from inventory.domain.receiving.purchase_order import purchase_order_stream
from inventory.domain.receiving.receipt import ReceiveEntry, receipt_stream, receive, reverse_receipt
from inventory.domain.stock.ledger import stock_stream
from inventory.service_layer.receiving.purchase_orders import PO_NOT_FOUND
from inventory.service_layer.stock.positions import lock_bins, lock_items, lock_stock_streams
from inventory.service_layer.unit_of_work import UnitOfWork

Visible = Callable[[int], bool]


async def _record_stock(
    uow: UnitOfWork, versions: dict[tuple[int, int], int], events: Sequence[DomainEvent], context: CommandContext
) -> None:
    """Several events may land in one (bin, item) stream; each append moves its version on."""
    for event in events:
        place = (event.data["bin_id"], event.data["item_id"])
        await uow.record(stock_stream(*place), versions[place], [event], context)
        versions[place] += 1


async def handle_receive(
    po_id: int, entries: Sequence[ReceiveEntry], uow: UnitOfWork, context: CommandContext, visible: Visible
) -> dict[str, Any]:
    """`visible(warehouse_id)`: whether the caller may see the order; an order elsewhere is a 404."""
    now = datetime.now(UTC)
    stream = purchase_order_stream(po_id)
    async with uow:
        version = await uow.lock_stream(stream)
        po = await uow.receiving.purchase_order(po_id)
        if po is None or not visible(po.warehouse_id):
            raise NotFound(f"{PO_NOT_FOUND}.", legacy_error=PO_NOT_FOUND)
        items = await lock_items(uow, *(entry.item_id for entry in entries))
        bins = await lock_bins(uow, *(entry.bin_id for entry in entries))
        versions = await lock_stock_streams(uow, ((entry.bin_id, entry.item_id) for entry in entries))
        settings = await uow.catalog.settings(po.warehouse_id)
        receipt_ids = await uow.catalog.next_ids("receipt_id_seq", len(entries))
        new_receipts = [(receipt_id, str(uuid.uuid4())) for receipt_id in receipt_ids]
        outcome = receive(
            po,
            entries,
            bins,
            items,
            new_receipts,
            allow_over_receiving=settings.allow_over_receiving,
            actor=context.actor,
            now=now,
        )
        scoped = replace(context, warehouse_id=po.warehouse_id)
        await uow.record(stream, version, outcome.po_events, scoped)
        for receipt_id, events in outcome.receipts:
            await uow.record(receipt_stream(receipt_id), 0, events, scoped)
        await _record_stock(uow, versions, outcome.stock, scoped)
    return {
        "message": f"Received {len(entries)} item(s)",
        "receipt_ids": [receipt_id for receipt_id, _ in outcome.receipts],
        "po_status": outcome.po.status,
        "warnings": outcome.warnings,
    }


async def handle_cancel_receipts(
    receipt_ids: Sequence[int], uow: UnitOfWork, context: CommandContext, visible: Visible
) -> dict[str, Any]:
    """Reverses what it can; receipts that are unknown, elsewhere or no longer reversible are skipped."""
    if not receipt_ids:
        return {"message": "Nothing to cancel", "reversed": 0}
    now = datetime.now(UTC)
    reversed_count = 0
    async with uow:
        found = [r for r in [await uow.receiving.receipt(i) for i in sorted(set(receipt_ids))] if r is not None]
        receipts = [r for r in found if visible(r.warehouse_id)]
        # Everything is locked up front, in the global order, before anything is decided.
        po_versions = {
            po_id: await uow.lock_stream(purchase_order_stream(po_id)) for po_id in sorted({r.po_id for r in receipts})
        }
        receipt_versions = {r.receipt_id: await uow.lock_stream(receipt_stream(r.receipt_id)) for r in receipts}
        await lock_items(uow, *(r.item_id for r in receipts))
        await lock_bins(uow, *(r.bin_id for r in receipts))
        stock_versions = await lock_stock_streams(uow, ((r.bin_id, r.item_id) for r in receipts))
        for stale in receipts:
            receipt = await uow.receiving.receipt(stale.receipt_id)
            po = await uow.receiving.purchase_order(stale.po_id)
            if receipt is None or po is None:
                continue
            position = await uow.stock.position(receipt.bin_id, receipt.item_id, receipt.lot_number)
            reversal = reverse_receipt(po, receipt, position, now)
            if reversal is None:
                continue
            scoped = replace(context, warehouse_id=po.warehouse_id)
            await uow.record(purchase_order_stream(po.po_id), po_versions[po.po_id], [reversal.po_event], scoped)
            po_versions[po.po_id] += 1
            stream = receipt_stream(receipt.receipt_id)
            await uow.record(stream, receipt_versions[receipt.receipt_id], [reversal.receipt_event], scoped)
            await _record_stock(uow, stock_versions, [reversal.stock_event], scoped)
            reversed_count += 1
    return {"message": f"Cancelled {reversed_count} receipt(s)", "reversed": reversed_count}
