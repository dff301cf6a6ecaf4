"""Bin commands. A bin write locks its zone's stream so a zone delete cannot race it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from canonical.events.factory import CommandContext
from inventory.domain.catalog.bin import Bin, bin_stream, create_bin, delete_bin, update_bin
from inventory.domain.catalog.zone import zone_stream
from inventory.service_layer.streams import load_locked
from inventory.service_layer.unit_of_work import UnitOfWork

BIN_NOT_FOUND = "Bin not found"


def _code_lock(warehouse_id: int, code: str) -> str:
    return f"bin-code:{warehouse_id}:{code}"


async def handle_create_bin(fields: Mapping[str, Any], uow: UnitOfWork, context: CommandContext) -> dict[str, Any]:
    """`fields`: the bin's attributes as the API accepts them (warehouse_id, zone_id, bin_code, ...)."""
    warehouse_id = int(fields["warehouse_id"])
    code = str(fields["bin_code"]).strip()
    async with uow:
        await uow.lock_stream(zone_stream(int(fields["zone_id"])))
        zone = await uow.catalog.zone(int(fields["zone_id"]))
        await uow.lock(_code_lock(warehouse_id, code))
        bin_id = await uow.catalog.next_id("bin_id_seq")
        bin_ = Bin(**{**fields, "bin_id": bin_id, "external_id": str(uuid.uuid4()), "bin_code": code})
        event = create_bin(bin_, zone, code_taken=await uow.catalog.bin_code_taken(warehouse_id, code))
        await uow.record(bin_stream(bin_id), 0, [event], replace(context, warehouse_id=warehouse_id))
        return event.data


async def handle_update_bin(
    bin_id: int, changes: Mapping[str, Any], uow: UnitOfWork, context: CommandContext
) -> dict[str, Any]:
    stream = bin_stream(bin_id)
    async with uow:
        version, bin_ = await load_locked(uow, stream, lambda: uow.catalog.bin(bin_id), BIN_NOT_FOUND)
        zone_id = int(changes.get("zone_id", bin_.zone_id))
        if zone_id != bin_.zone_id:
            await uow.lock_stream(zone_stream(zone_id))
        code = str(changes.get("bin_code", bin_.bin_code)).strip()
        taken = False
        if code != bin_.bin_code:
            await uow.lock(_code_lock(bin_.warehouse_id, code))
            taken = await uow.catalog.bin_code_taken(bin_.warehouse_id, code)
        event = update_bin(bin_, changes, await uow.catalog.zone(zone_id), code_taken=taken)
        await uow.record(stream, version, [event], replace(context, warehouse_id=bin_.warehouse_id))
        return event.data


async def handle_delete_bin(bin_id: int, uow: UnitOfWork, context: CommandContext) -> None:
    stream = bin_stream(bin_id)
    async with uow:
        version, bin_ = await load_locked(uow, stream, lambda: uow.catalog.bin(bin_id), BIN_NOT_FOUND)
        event = delete_bin(
            bin_, units=await uow.stock.units_in_bin(bin_id), preferred_for=await uow.catalog.items_preferring(bin_id)
        )
        await uow.record(stream, version, [event], replace(context, warehouse_id=bin_.warehouse_id))
