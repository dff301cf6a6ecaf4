"""`python -m inventory.entrypoints.seed`: the demo warehouse, built through the commands so every event exists.

With `SKIP_SEED=true` (or `--minimal`) it builds the minimal variant instead (domain.md Part L):
warehouse WH-01 with three zones and three bins, the settings, and no items or orders.

Safe to run again: whatever already exists (by warehouse, zone and bin code, SKU, PO number) is left
alone (sales orders by SO number too), and opening stock is only booked for an item that has never had any.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from canonical.db import create_pool
from canonical.events.factory import CommandContext
from canonical.events.registry import default_registry
from canonical.eventstore.store import EventWriter
from inventory.adapters.unit_of_work import PostgresUnitOfWork
from inventory.domain.catalog.warehouse import CreateWarehouse
from inventory.domain.orders.sales_order import NewSoLine
from inventory.domain.receiving.purchase_order import NewLine
from inventory.domain.stock.adjustment import DirectAdjustment
from inventory.entrypoints import demo_data as demo
from inventory.entrypoints.dependencies import PROJECTORS
from inventory.service_layer.catalog.bins import handle_create_bin
from inventory.service_layer.catalog.items import handle_create_item
from inventory.service_layer.catalog.settings import handle_update_settings
from inventory.service_layer.catalog.warehouses import handle_create_warehouse
from inventory.service_layer.catalog.zones import handle_create_zone
from inventory.service_layer.orders.sales_orders import handle_create_sales_order
from inventory.service_layer.receiving.purchase_orders import handle_create_purchase_order
from inventory.service_layer.stock.adjustments import handle_direct_adjustment
from inventory.settings import Settings

ACTOR = "system:seed"
TRUTHY = frozenset({"true", "1", "yes"})


@dataclass(frozen=True)
class Layout:
    """The warehouse, its zones (code, name, type) and bins (code, zone, type, aisle, row, level, sequence, note)."""

    warehouse_code: str
    warehouse_name: str
    zones: Sequence[tuple[str, str, str]]
    bins: Sequence[tuple[Any, ...]]
    stocked: bool  # items with opening stock, and purchase orders


FULL = Layout(demo.WAREHOUSE_CODE, demo.WAREHOUSE_NAME, demo.ZONES, demo.BINS, stocked=True)
MINIMAL = Layout(
    "WH-01",
    "My Warehouse",
    [zone for zone in demo.ZONES if zone[0] in {"RCV", "PICK", "STAGE"}],
    [
        ("RECV-01", "RCV", "Staging", None, None, None, 0, "receiving"),
        ("PICK-01", "PICK", "Pickable", None, None, None, 100, "first pick face"),
        ("BULK-01", "PICK", "Pickable", None, None, None, 0, "bulk"),
    ],
    stocked=False,
)


class Seeder:
    def __init__(self, pool: asyncpg.Pool, writer: EventWriter, layout: Layout = FULL) -> None:
        self.pool = pool
        self.writer = writer
        self.layout = layout
        self.registry = default_registry()
        self.context = CommandContext(request_id="demo-seed", actor=ACTOR)

    def uow(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self.pool, self.writer, self.registry, PROJECTORS)

    async def _id(self, query: str, *args: object) -> int | None:
        value = await self.pool.fetchval(query, *args)
        return None if value is None else int(value)

    async def warehouse(self) -> int:
        code = self.layout.warehouse_code
        found = await self._id("SELECT warehouse_id FROM warehouses WHERE warehouse_code = $1", code)
        if found is not None:
            return found
        command = CreateWarehouse(code, self.layout.warehouse_name)
        return int((await handle_create_warehouse(command, self.uow(), self.context))["warehouse_id"])

    async def zones(self, warehouse_id: int) -> dict[str, int]:
        ids: dict[str, int] = {}
        for code, name, zone_type in self.layout.zones:
            found = await self._id(
                "SELECT zone_id FROM zones WHERE warehouse_id = $1 AND zone_code = $2", warehouse_id, code
            )
            if found is None:
                found = (await handle_create_zone(warehouse_id, code, name, zone_type, self.uow(), self.context))[
                    "zone_id"
                ]
            ids[code] = int(found)
        return ids

    async def bins(self, warehouse_id: int, zones: dict[str, int]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for code, zone, bin_type, aisle, row, level, sequence, description in self.layout.bins:
            found = await self._id(
                "SELECT bin_id FROM bins WHERE warehouse_id = $1 AND bin_code = $2", warehouse_id, code
            )
            if found is None:
                fields = {
                    "warehouse_id": warehouse_id,
                    "zone_id": zones[zone],
                    "bin_code": code,
                    "bin_barcode": code,
                    "bin_type": bin_type,
                    "aisle": aisle,
                    "row_num": row,
                    "level_num": level,
                    "pick_sequence": sequence,
                    "description": description,
                }
                found = (await handle_create_bin(fields, self.uow(), self.context))["bin_id"]
            ids[code] = int(found)
        return ids

    async def items_with_stock(self, warehouse_id: int, bins: dict[str, int]) -> dict[int, int]:
        ids: dict[int, int] = {}
        for number, (name, category, weight, home, quantity) in enumerate(demo.ITEMS, start=1):
            found = await self._id("SELECT item_id FROM items WHERE sku = $1", demo.sku(number))
            if found is None:
                fields = {
                    "sku": demo.sku(number),
                    "item_name": name,
                    "upc": demo.upc(number),
                    "category": category,
                    "weight_lbs": weight,
                    "default_bin_id": bins[home],
                }
                found = (await handle_create_item(fields, self.uow(), self.context))["item_id"]
            ids[number] = int(found)
            if await self._id("SELECT 1 FROM stock_movements WHERE item_id = $1 LIMIT 1", found) is None:
                opening = DirectAdjustment(
                    warehouse_id, bins[home], int(found), "ADD", quantity, "Opening stock (demo)"
                )
                await handle_direct_adjustment(opening, self.uow(), self.context)
        return ids

    async def purchase_orders(self, warehouse_id: int, items: dict[int, int]) -> None:
        for number, vendor, lines in demo.PURCHASE_ORDERS:
            if await self._id("SELECT po_id FROM purchase_orders WHERE po_number = $1", number) is not None:
                continue
            fields = {"po_number": number, "warehouse_id": warehouse_id, "vendor_name": vendor}
            new_lines = [NewLine(items[item_number], quantity) for item_number, quantity in lines]
            await handle_create_purchase_order(fields, new_lines, self.uow(), self.context)

    async def sales_orders(self, warehouse_id: int, items: dict[int, int]) -> None:
        for number, customer, ship_method, lines in demo.SALES_ORDERS:
            if await self._id("SELECT so_id FROM sales_orders WHERE so_number = $1", number) is not None:
                continue
            fields = {
                "so_number": number,
                "warehouse_id": warehouse_id,
                "customer_name": customer,
                "ship_method": ship_method,
            }
            order_lines = [NewSoLine(items[item_number], quantity) for item_number, quantity in lines]
            await handle_create_sales_order(fields, order_lines, self.uow(), self.context)

    async def run(self) -> None:
        warehouse_id = await self.warehouse()
        bins = await self.bins(warehouse_id, await self.zones(warehouse_id))
        if self.layout.stocked:
            items = await self.items_with_stock(warehouse_id, bins)
            await self.purchase_orders(warehouse_id, items)
            await self.sales_orders(warehouse_id, items)
        settings = {**demo.SETTINGS, "default_receiving_bin": str(bins["RECV-01"])}
        await handle_update_settings(None, settings, self.uow(), self.context)


async def seed(settings: Settings, layout: Layout = FULL) -> None:
    pool = await create_pool(settings.database_url.get_secret_value(), min_size=1, max_size=2)
    try:
        writer = EventWriter(default_registry(), settings.kafka_topic_prefix)
        await Seeder(pool, writer, layout).run()
    finally:
        await pool.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--minimal", action="store_true", help="the SKIP_SEED variant: WH-01, 3 zones, 3 bins")
    minimal = parser.parse_args(argv).minimal or os.environ.get("SKIP_SEED", "").strip().lower() in TRUTHY
    asyncio.run(seed(Settings(), MINIMAL if minimal else FULL))
    if minimal:
        print("minimal data ready: warehouse WH-01, 3 zones, 3 bins, no items or orders", file=sys.stderr)
    else:
        print(
            "demo data ready: 1 warehouse, 6 zones, 16 bins, 20 items with stock, 5 purchase orders, 20 sales orders",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
