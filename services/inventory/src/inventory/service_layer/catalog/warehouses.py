"""Warehouse commands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from canonical.events.factory import CommandContext
from inventory.domain.catalog.warehouse import (
    CreateWarehouse,
    DuplicateWarehouseCode,
    create_warehouse,
    delete_warehouse,
    update_warehouse,
    warehouse_stream,
)
from inventory.service_layer.streams import load_locked
from inventory.service_layer.unit_of_work import UnitOfWork

WAREHOUSE_NOT_FOUND = "Warehouse not found"


def _code_lock(code: str) -> str:
    return f"warehouse-code:{code}"


async def handle_create_warehouse(command: CreateWarehouse, uow: UnitOfWork, context: CommandContext) -> dict[str, Any]:
    code = command.warehouse_code.strip()
    async with uow:
        await uow.lock(_code_lock(code))
        if await uow.catalog.warehouse_code_taken(code):
            raise DuplicateWarehouseCode(code)
        warehouse_id = await uow.catalog.next_id("warehouse_id_seq")
        event = create_warehouse(command, warehouse_id, datetime.now(UTC))
        await uow.record(warehouse_stream(warehouse_id), 0, [event], replace(context, warehouse_id=warehouse_id))
        return event.data


async def handle_update_warehouse(
    warehouse_id: int, changes: Mapping[str, Any], uow: UnitOfWork, context: CommandContext
) -> dict[str, Any]:
    stream = warehouse_stream(warehouse_id)
    async with uow:
        version, warehouse = await load_locked(
            uow, stream, lambda: uow.catalog.warehouse(warehouse_id), WAREHOUSE_NOT_FOUND
        )
        code = str(changes.get("warehouse_code", warehouse.warehouse_code)).strip()
        taken = False
        if code != warehouse.warehouse_code:
            await uow.lock(_code_lock(code))
            taken = await uow.catalog.warehouse_code_taken(code)
        event = update_warehouse(warehouse, changes, taken)
        await uow.record(stream, version, [event], replace(context, warehouse_id=warehouse_id))
        return event.data


async def handle_delete_warehouse(warehouse_id: int, uow: UnitOfWork, context: CommandContext) -> None:
    stream = warehouse_stream(warehouse_id)
    async with uow:
        version, warehouse = await load_locked(
            uow, stream, lambda: uow.catalog.warehouse(warehouse_id), WAREHOUSE_NOT_FOUND
        )
        event = delete_warehouse(
            warehouse,
            units=await uow.stock.units_in_warehouse(warehouse_id),
            bins=await uow.catalog.bins_in_warehouse(warehouse_id),
            zones=await uow.catalog.zone_count(warehouse_id),
        )
        await uow.record(stream, version, [event], replace(context, warehouse_id=warehouse_id))
