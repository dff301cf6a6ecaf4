"""Settings commands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime

from canonical.events.factory import CommandContext
from inventory.domain.catalog.settings import settings_stream, update_settings
from inventory.domain.catalog.warehouse import UnknownWarehouse, warehouse_stream
from inventory.service_layer.unit_of_work import UnitOfWork


async def handle_update_settings(
    warehouse_id: int | None, changes: Mapping[str, str], uow: UnitOfWork, context: CommandContext
) -> None:
    """`warehouse_id` None changes the global values; a warehouse id overrides them in that warehouse."""
    async with uow:
        if warehouse_id is not None:
            await uow.lock_stream(warehouse_stream(warehouse_id))
            if await uow.catalog.warehouse(warehouse_id) is None:
                raise UnknownWarehouse(warehouse_id)
        stream = settings_stream(warehouse_id)
        version = await uow.lock_stream(stream)
        event = update_settings(warehouse_id, changes, datetime.now(UTC))
        await uow.record(stream, version, [event], replace(context, warehouse_id=warehouse_id))
