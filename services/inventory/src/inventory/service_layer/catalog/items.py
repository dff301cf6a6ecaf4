"""Item commands."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from canonical.events.factory import CommandContext
from inventory.domain.catalog.item import Item, create_item, delete_item, item_stream, toggle_archive, update_item
from inventory.domain.catalog.preferred_bin import preferred_bin_stream, remove_preferred_bin
from inventory.service_layer.streams import load_locked
from inventory.service_layer.unit_of_work import UnitOfWork

ITEM_NOT_FOUND = "Item not found"


def _sku_lock(sku: str) -> str:
    return f"item-sku:{sku}"


async def handle_create_item(fields: Mapping[str, Any], uow: UnitOfWork, context: CommandContext) -> dict[str, Any]:
    sku = str(fields["sku"]).strip()
    upc: str | None = fields.get("upc")
    now = datetime.now(UTC).isoformat()
    async with uow:
        # The SKU's and the UPC's locks (unique keys, not streams, but the same lock space) in one round trip,
        # SKU first as every writer of an item's SKU takes them.
        await uow.lock_streams([_sku_lock(sku), *([f"item-upc:{upc}"] if upc else [])])
        item_id = await uow.catalog.next_id("item_id_seq")
        values = {**fields, "sku": sku, "barcode_aliases": tuple(fields.get("barcode_aliases") or ())}
        item = Item(
            **{**values, "item_id": item_id, "external_id": str(uuid.uuid4()), "created_at": now, "updated_at": now}
        )
        taken = await uow.catalog.identifiers_taken(sku, upc)
        event = create_item(item, sku_taken=taken.sku, upc_taken=taken.upc)
        await uow.record(item_stream(item_id), 0, [event], context)
        return event.data


async def handle_update_item(
    item_id: int, changes: Mapping[str, Any], uow: UnitOfWork, context: CommandContext
) -> dict[str, Any]:
    stream = item_stream(item_id)
    async with uow:
        version, item = await load_locked(uow, stream, lambda: uow.catalog.item(item_id), ITEM_NOT_FOUND)
        changes = dict(changes)
        if "barcode_aliases" in changes:
            changes["barcode_aliases"] = tuple(changes["barcode_aliases"] or ())
        if "sku" in changes:
            changes["sku"] = str(changes["sku"]).strip()
        taken = False
        if changes.get("sku", item.sku) != item.sku:
            await uow.lock(_sku_lock(changes["sku"]))
            taken = await uow.catalog.sku_taken(changes["sku"])
        event = update_item(item, changes, datetime.now(UTC).isoformat(), sku_taken=taken)
        await uow.record(stream, version, [event], context)
        return event.data


async def handle_toggle_archive(item_id: int, uow: UnitOfWork, context: CommandContext) -> bool:
    """Returns whether the item is active afterwards."""
    stream = item_stream(item_id)
    async with uow:
        version, item = await load_locked(uow, stream, lambda: uow.catalog.item(item_id), ITEM_NOT_FOUND)
        event = toggle_archive(item, datetime.now(UTC).isoformat())
        await uow.record(stream, version, [event], context)
        return bool(event.data["is_active"])


async def handle_delete_item(item_id: int, uow: UnitOfWork, context: CommandContext) -> None:
    """A hard delete takes the item's preferred-bin mappings with it, each as its own event."""
    stream = item_stream(item_id)
    async with uow:
        version, item = await load_locked(uow, stream, lambda: uow.catalog.item(item_id), ITEM_NOT_FOUND)
        deletion = delete_item(
            item,
            units=await uow.stock.units_of_item(item_id),
            order_lines=await uow.receiving.lines_naming(item_id),
            sales_lines=await uow.catalog.sales_lines_naming(item_id),
        )
        for preferred in await uow.catalog.preferred_bins_of(item_id):
            mapping_stream = preferred_bin_stream(preferred.preferred_bin_id)
            mapping_version = await uow.lock_stream(mapping_stream)
            await uow.record(mapping_stream, mapping_version, [remove_preferred_bin(preferred)], context)
        await uow.record(stream, version, [deletion], context)
