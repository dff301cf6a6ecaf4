"""Warehouse commands."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from canonical.events.factory import CommandContext
from inventory.domain.catalog.warehouse import (
    CreateWarehouse,
    DuplicateWarehouseCode,
    create_warehouse,
    warehouse_stream,
)
from inventory.service_layer.unit_of_work import UnitOfWork


async def handle_create_warehouse(command: CreateWarehouse, uow: UnitOfWork, context: CommandContext) -> dict[str, Any]:
    async with uow:
        if await uow.warehouses.code_taken(command.warehouse_code.strip()):
            raise DuplicateWarehouseCode(command.warehouse_code.strip())
        warehouse_id = await uow.warehouses.next_id()
        event = create_warehouse(command, warehouse_id, datetime.now(UTC))
        await uow.record(warehouse_stream(warehouse_id), 0, [event], context)
        return event.data
