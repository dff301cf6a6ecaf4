"""Zone commands. A zone write locks its warehouse's stream so a warehouse delete cannot race it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from canonical.events.factory import CommandContext
from inventory.domain.catalog.warehouse import UnknownWarehouse, warehouse_stream
from inventory.domain.catalog.zone import Zone, create_zone, delete_zone, update_zone, zone_stream
from inventory.service_layer.streams import load_locked
from inventory.service_layer.unit_of_work import UnitOfWork

ZONE_NOT_FOUND = "Zone not found"


def _code_lock(warehouse_id: int, code: str) -> str:
    return f"zone-code:{warehouse_id}:{code}"


async def handle_create_zone(
    warehouse_id: int, zone_code: str, zone_name: str, zone_type: str, uow: UnitOfWork, context: CommandContext
) -> dict[str, Any]:
    async with uow:
        await uow.lock_stream(warehouse_stream(warehouse_id))
        if await uow.catalog.warehouse(warehouse_id) is None:
            raise UnknownWarehouse(warehouse_id)
        code = zone_code.strip()
        await uow.lock(_code_lock(warehouse_id, code))
        zone_id = await uow.catalog.next_id("zone_id_seq")
        zone = Zone(zone_id, warehouse_id, code, zone_name.strip(), zone_type)
        event = create_zone(zone, code_taken=await uow.catalog.zone_code_taken(warehouse_id, code))
        await uow.record(zone_stream(zone_id), 0, [event], replace(context, warehouse_id=warehouse_id))
        return event.data


async def handle_update_zone(
    zone_id: int, changes: Mapping[str, Any], uow: UnitOfWork, context: CommandContext
) -> dict[str, Any]:
    stream = zone_stream(zone_id)
    async with uow:
        version, zone = await load_locked(uow, stream, lambda: uow.catalog.zone(zone_id), ZONE_NOT_FOUND)
        code = str(changes.get("zone_code", zone.zone_code)).strip()
        taken = False
        if code != zone.zone_code:
            await uow.lock(_code_lock(zone.warehouse_id, code))
            taken = await uow.catalog.zone_code_taken(zone.warehouse_id, code)
        event = update_zone(zone, changes, code_taken=taken)
        await uow.record(stream, version, [event], replace(context, warehouse_id=zone.warehouse_id))
        return event.data


async def handle_delete_zone(zone_id: int, uow: UnitOfWork, context: CommandContext) -> None:
    stream = zone_stream(zone_id)
    async with uow:
        version, zone = await load_locked(uow, stream, lambda: uow.catalog.zone(zone_id), ZONE_NOT_FOUND)
        event = delete_zone(zone, bins=await uow.catalog.bins_in_zone(zone_id))
        await uow.record(stream, version, [event], replace(context, warehouse_id=zone.warehouse_id))
