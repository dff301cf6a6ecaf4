"""Preferred-bin commands. Saving locks the item and bin streams so neither can be deleted meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from canonical.errors import NotFound
from canonical.events.factory import CommandContext
from inventory.domain.catalog.bin import bin_stream
from inventory.domain.catalog.item import item_stream, update_item
from inventory.domain.catalog.preferred_bin import (
    MAX_PRIORITY,
    PreferredBin,
    preferred_bin_stream,
    remove_preferred_bin,
    save_preferred_bin,
)
from inventory.service_layer.catalog.bins import BIN_NOT_FOUND
from inventory.service_layer.catalog.items import ITEM_NOT_FOUND
from inventory.service_layer.streams import load_locked
from inventory.service_layer.unit_of_work import UnitOfWork


async def handle_save_preferred_bin(
    item_id: int, bin_id: int, priority: int, notes: str | None, uow: UnitOfWork, context: CommandContext
) -> None:
    async with uow:
        await uow.lock_stream(item_stream(item_id))
        await uow.lock_stream(bin_stream(bin_id))
        existing_id = await uow.catalog.preferred_bin_id_for(item_id, bin_id)
        preferred_id = existing_id or await uow.catalog.next_id("preferred_bin_id_seq")
        stream = preferred_bin_stream(preferred_id)
        version = await uow.lock_stream(stream)
        event = save_preferred_bin(
            PreferredBin(preferred_id, item_id, bin_id, priority, notes),
            item_exists=await uow.catalog.item(item_id) is not None,
            bin_exists=await uow.catalog.bin(bin_id) is not None,
        )
        await uow.record(stream, version, [event], context)


async def handle_reprioritise_preferred_bin(
    preferred_bin_id: int, priority: int, uow: UnitOfWork, context: CommandContext
) -> None:
    """v1.7 answers 200 for an unknown id; kept, so nothing is recorded then."""
    stream = preferred_bin_stream(preferred_bin_id)
    async with uow:
        version = await uow.lock_stream(stream)
        preferred = await uow.catalog.preferred_bin(preferred_bin_id)
        if preferred is None:
            return
        event = save_preferred_bin(
            PreferredBin(preferred_bin_id, preferred.item_id, preferred.bin_id, priority, preferred.notes),
            item_exists=True,
            bin_exists=True,
        )
        await uow.record(stream, version, [event], context)


async def handle_remove_preferred_bin(preferred_bin_id: int, uow: UnitOfWork, context: CommandContext) -> None:
    stream = preferred_bin_stream(preferred_bin_id)
    async with uow:
        version = await uow.lock_stream(stream)
        preferred = await uow.catalog.preferred_bin(preferred_bin_id)
        if preferred is not None:
            await uow.record(stream, version, [remove_preferred_bin(preferred)], context)


async def handle_make_primary_bin(
    item_id: int, bin_id: int, uow: UnitOfWork, context: CommandContext, authorize: Callable[[int], None]
) -> dict[str, Any]:
    """Put-away's "always put it here": the bin becomes priority 1 and the default bin, the others move down."""
    now = datetime.now(UTC).isoformat()
    stream = item_stream(item_id)
    async with uow:
        version, item = await load_locked(uow, stream, lambda: uow.catalog.item(item_id), ITEM_NOT_FOUND)
        await uow.lock_stream(bin_stream(bin_id))
        bin_ = await uow.catalog.bin(bin_id)
        if bin_ is None:
            raise NotFound(f"{BIN_NOT_FOUND}.", legacy_error=BIN_NOT_FOUND)
        authorize(bin_.warehouse_id)
        current = {p.bin_id: p for p in await uow.catalog.preferred_bins_of(item_id)}
        chosen_id = current[bin_id].preferred_bin_id if bin_id in current else None
        chosen_id = chosen_id or await uow.catalog.next_id("preferred_bin_id_seq")
        ranking = [
            PreferredBin(p.preferred_bin_id, item_id, p.bin_id, min(MAX_PRIORITY, p.priority + 1), p.notes)
            for p in current.values()
            if p.bin_id != bin_id
        ]
        ranking.append(PreferredBin(chosen_id, item_id, bin_id, 1, "Set as primary from put-away"))
        for preferred in sorted(ranking, key=lambda p: p.preferred_bin_id):
            mapping = preferred_bin_stream(preferred.preferred_bin_id)
            mapping_version = await uow.lock_stream(mapping)
            event = save_preferred_bin(preferred, item_exists=True, bin_exists=True)
            await uow.record(mapping, mapping_version, [event], context)
        await uow.record(
            stream, version, [update_item(item, {"default_bin_id": bin_id}, now, sku_taken=False)], context
        )
    return {"message": "Preferred bin updated", "item_id": item_id, "bin_id": bin_id, "bin_code": bin_.bin_code}
