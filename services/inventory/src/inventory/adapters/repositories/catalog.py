"""Catalog state for command handlers, read from the projections inside the handler's transaction.

The projections are updated in the transaction that appends each event, and
every writer of an aggregate first takes its stream lock, so what is read
here after that lock is the aggregate's current state.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import asyncpg

from inventory.adapters.queries.settings import effective_settings
from inventory.adapters.repositories.sequences import SequencedRepository
from inventory.domain.catalog.bin import Bin
from inventory.domain.catalog.item import IdentifiersTaken, Item
from inventory.domain.catalog.preferred_bin import PreferredBin
from inventory.domain.catalog.settings import WarehouseSettings
from inventory.domain.catalog.warehouse import Warehouse
from inventory.domain.catalog.zone import Zone

_NUMERIC_ITEM_FIELDS = ("weight_lbs", "length_in", "width_in", "height_in")


def _columns(row: asyncpg.Record, record_type: type[Any]) -> dict[str, Any]:
    """The row's columns that are fields of `record_type` (queries may join extra columns)."""
    return {f.name: row[f.name] for f in fields(record_type)}


def warehouse_from_row(row: asyncpg.Record) -> Warehouse:
    return Warehouse(**{**_columns(row, Warehouse), "created_at": row["created_at"].isoformat()})


def bin_from_row(row: asyncpg.Record) -> Bin:
    return Bin(**{**_columns(row, Bin), "external_id": str(row["external_id"])})


def item_from_row(row: asyncpg.Record) -> Item:
    values = _columns(row, Item)
    for field in _NUMERIC_ITEM_FIELDS:
        if values[field] is not None:
            values[field] = float(values[field])
    values["external_id"] = str(row["external_id"])
    values["barcode_aliases"] = tuple(row["barcode_aliases"])
    values["created_at"] = row["created_at"].isoformat()
    values["updated_at"] = row["updated_at"].isoformat()
    return Item(**values)


class CatalogRepository(SequencedRepository):
    SEQUENCES = frozenset(
        {
            "warehouse_id_seq",
            "zone_id_seq",
            "bin_id_seq",
            "item_id_seq",
            "preferred_bin_id_seq",
            "adjustment_id_seq",
            "transfer_id_seq",
            "purchase_order_id_seq",
            "purchase_order_line_id_seq",
            "receipt_id_seq",
        }
    )

    async def warehouse(self, warehouse_id: int) -> Warehouse | None:
        row = await self._connection.fetchrow(
            "SELECT warehouse_id, warehouse_code, warehouse_name, address, is_active, created_at"
            " FROM warehouses WHERE warehouse_id = $1",
            warehouse_id,
        )
        return None if row is None else warehouse_from_row(row)

    async def zone(self, zone_id: int) -> Zone | None:
        row = await self._connection.fetchrow(
            "SELECT zone_id, warehouse_id, zone_code, zone_name, zone_type, is_active FROM zones WHERE zone_id = $1",
            zone_id,
        )
        return None if row is None else Zone(**dict(row))

    async def bin(self, bin_id: int) -> Bin | None:
        return (await self.bins_by_id(bin_id)).get(bin_id)

    async def bins_by_id(self, *bin_ids: int) -> dict[int, Bin]:
        """The bins that exist among these ids, in one round trip (a receipt or a move names several)."""
        rows = await self._connection.fetch(
            "SELECT bin_id, external_id, warehouse_id, zone_id, bin_code, bin_barcode, bin_type, aisle, row_num,"
            " level_num, position_num, pick_sequence, putaway_sequence, description, is_active"
            " FROM bins WHERE bin_id = ANY($1::int[]) ORDER BY bin_id",
            list(set(bin_ids)),
        )
        return {r["bin_id"]: bin_from_row(r) for r in rows}

    async def item(self, item_id: int) -> Item | None:
        return (await self.items_by_id(item_id)).get(item_id)

    async def items_by_id(self, *item_ids: int) -> dict[int, Item]:
        """The items that exist among these ids, in one round trip (an order's lines name several)."""
        rows = await self._connection.fetch(
            "SELECT item_id, external_id, sku, item_name, created_at, updated_at, description, upc, barcode_aliases,"
            " category, weight_lbs, length_in, width_in, height_in, default_bin_id, reorder_point, reorder_qty,"
            " is_lot_tracked, is_serial_tracked, is_active FROM items WHERE item_id = ANY($1::int[]) ORDER BY item_id",
            list(set(item_ids)),
        )
        return {r["item_id"]: item_from_row(r) for r in rows}

    async def preferred_bin(self, preferred_bin_id: int) -> PreferredBin | None:
        row = await self._connection.fetchrow(
            "SELECT preferred_bin_id, item_id, bin_id, priority, notes FROM preferred_bins WHERE preferred_bin_id = $1",
            preferred_bin_id,
        )
        return None if row is None else PreferredBin(**dict(row))

    async def preferred_bin_id_for(self, item_id: int, bin_id: int) -> int | None:
        value = await self._connection.fetchval(
            "SELECT preferred_bin_id FROM preferred_bins WHERE item_id = $1 AND bin_id = $2", item_id, bin_id
        )
        return None if value is None else int(value)

    async def warehouse_code_taken(self, warehouse_code: str) -> bool:
        return await self._exists("SELECT 1 FROM warehouses WHERE warehouse_code = $1", warehouse_code)

    async def zone_code_taken(self, warehouse_id: int, zone_code: str) -> bool:
        return await self._exists(
            "SELECT 1 FROM zones WHERE warehouse_id = $1 AND zone_code = $2", warehouse_id, zone_code
        )

    async def bin_code_taken(self, warehouse_id: int, bin_code: str) -> bool:
        return await self._exists(
            "SELECT 1 FROM bins WHERE warehouse_id = $1 AND bin_code = $2", warehouse_id, bin_code
        )

    async def sku_taken(self, sku: str) -> bool:
        return await self._exists("SELECT 1 FROM items WHERE sku = $1", sku)

    async def identifiers_taken(self, sku: str, upc: str | None) -> IdentifiersTaken:
        row = await self._connection.fetchrow(
            "SELECT EXISTS (SELECT 1 FROM items WHERE sku = $1) AS sku,"
            " $2::text IS NOT NULL AND EXISTS (SELECT 1 FROM items WHERE upc = $2) AS upc",
            sku,
            upc,
        )
        assert row is not None  # a SELECT without FROM always answers one row
        return IdentifiersTaken(sku=row["sku"], upc=row["upc"])

    async def zone_count(self, warehouse_id: int) -> int:
        return int(await self._connection.fetchval("SELECT count(*) FROM zones WHERE warehouse_id = $1", warehouse_id))

    async def bins_in_warehouse(self, warehouse_id: int) -> int:
        return int(await self._connection.fetchval("SELECT count(*) FROM bins WHERE warehouse_id = $1", warehouse_id))

    async def bins_in_zone(self, zone_id: int) -> int:
        return int(await self._connection.fetchval("SELECT count(*) FROM bins WHERE zone_id = $1", zone_id))

    async def items_preferring(self, bin_id: int) -> int:
        return int(await self._connection.fetchval("SELECT count(*) FROM preferred_bins WHERE bin_id = $1", bin_id))

    async def sales_lines_naming(self, item_id: int) -> int:
        query = "SELECT count(*) FROM sales_order_lines WHERE item_id = $1"
        return int(await self._connection.fetchval(query, item_id))

    async def preferred_bins_of(self, item_id: int) -> list[PreferredBin]:
        rows = await self._connection.fetch(
            "SELECT preferred_bin_id, item_id, bin_id, priority, notes FROM preferred_bins WHERE item_id = $1",
            item_id,
        )
        return [PreferredBin(**dict(r)) for r in rows]

    async def settings(self, warehouse_id: int | None) -> WarehouseSettings:
        """Read in this transaction: a settings change committed a moment ago already applies."""
        return await effective_settings(self._connection, warehouse_id)

    async def _exists(self, query: str, *args: Any) -> bool:
        return bool(await self._connection.fetchval(query, *args))
