"""Reads the command side needs, on the caller's transaction."""

from __future__ import annotations

from canonical.db import Connection


class WarehouseRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def next_id(self) -> int:
        return int(await self._connection.fetchval("SELECT nextval('warehouse_id_seq')"))

    async def code_taken(self, warehouse_code: str) -> bool:
        return bool(
            await self._connection.fetchval("SELECT 1 FROM warehouses WHERE warehouse_code = $1", warehouse_code)
        )
