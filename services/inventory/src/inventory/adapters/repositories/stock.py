"""Stock positions for command handlers, read under the stock stream's lock."""

from __future__ import annotations

from canonical.db import Connection
from inventory.domain.stock.ledger import Position

_POSITION = (
    "SELECT warehouse_id, bin_id, item_id, lot_number, quantity_on_hand AS on_hand,"
    " quantity_allocated AS allocated FROM stock"
)


class StockRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def position(self, bin_id: int, item_id: int, lot_number: str | None) -> Position | None:
        row = await self._connection.fetchrow(
            f"{_POSITION} WHERE bin_id = $1 AND item_id = $2 AND lot_number IS NOT DISTINCT FROM $3",
            bin_id,
            item_id,
            lot_number,
        )
        return None if row is None else Position(**dict(row))

    async def units_in_warehouse(self, warehouse_id: int) -> int:
        return await self._units("warehouse_id", warehouse_id)

    async def units_in_bin(self, bin_id: int) -> int:
        return await self._units("bin_id", bin_id)

    async def units_of_item(self, item_id: int) -> int:
        return await self._units("item_id", item_id)

    async def _units(self, column: str, value: int) -> int:
        query = f"SELECT COALESCE(sum(quantity_on_hand), 0) FROM stock WHERE {column} = $1"  # noqa: S608
        return int(await self._connection.fetchval(query, value))
