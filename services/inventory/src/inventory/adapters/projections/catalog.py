"""Catalog read models: warehouses."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from canonical.db import Connection
from canonical.events.envelope import CloudEvent
from inventory.domain.catalog.warehouse import DuplicateWarehouseCode


async def apply_catalog_event(connection: Connection, event: CloudEvent) -> None:
    if event.type == "warehouse.created":
        data = event.data
        try:
            await connection.execute(
                "INSERT INTO warehouses"
                " (warehouse_id, warehouse_code, warehouse_name, address, is_active, created_at)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                data["warehouse_id"],
                data["warehouse_code"],
                data["warehouse_name"],
                data["address"],
                data["is_active"],
                datetime.fromisoformat(data["created_at"]),
            )
        except asyncpg.UniqueViolationError as error:
            # A concurrent create took the code between our check and this insert.
            if error.constraint_name == "warehouses_warehouse_code_key":
                raise DuplicateWarehouseCode(data["warehouse_code"]) from None
            raise
