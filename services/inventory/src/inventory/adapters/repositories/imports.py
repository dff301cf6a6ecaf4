"""Lookups a bulk import needs by human reference (codes, names, SKUs), and its per-row savepoints."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from canonical.db import Connection


class ImportSupport:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def savepoint(self) -> AbstractAsyncContextManager[object]:
        """Inside the import's transaction: a failed row rolls back alone, to the savepoint."""
        return self._connection.transaction()

    async def bin_by_code(self, bin_code: str) -> tuple[int, int] | None:
        """(bin_id, warehouse_id) of the first bin with that code, in any warehouse (v1.7)."""
        row = await self._connection.fetchrow(
            "SELECT bin_id, warehouse_id FROM bins WHERE bin_code = $1 ORDER BY bin_id LIMIT 1", bin_code
        )
        return None if row is None else (row["bin_id"], row["warehouse_id"])

    async def zone_by_reference(self, reference: str) -> tuple[int, int] | None:
        """(zone_id, warehouse_id) of the first zone whose code or name matches, case-insensitively."""
        row = await self._connection.fetchrow(
            "SELECT zone_id, warehouse_id FROM zones WHERE lower(zone_code) = lower($1) OR lower(zone_name) = lower($1)"
            " ORDER BY zone_id LIMIT 1",
            reference,
        )
        return None if row is None else (row["zone_id"], row["warehouse_id"])

    async def zone_warehouse(self, zone_id: int) -> int | None:
        value = await self._connection.fetchval("SELECT warehouse_id FROM zones WHERE zone_id = $1", zone_id)
        return None if value is None else int(value)

    async def item_id_by_sku(self, sku: str) -> int | None:
        value = await self._connection.fetchval("SELECT item_id FROM items WHERE sku = $1", sku)
        return None if value is None else int(value)
