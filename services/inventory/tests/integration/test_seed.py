"""The demo seed: built through the commands, and safe to run again."""

import asyncpg
import httpx
import pytest

from canonical.events.registry import default_registry
from canonical.eventstore.store import EventWriter
from inventory.entrypoints.seed import Seeder
from inventory.settings import Settings

pytestmark = pytest.mark.integration

COUNTS = (
    "SELECT (SELECT count(*) FROM warehouses), (SELECT count(*) FROM zones), (SELECT count(*) FROM bins),"
    " (SELECT count(*) FROM items), (SELECT count(*) FROM purchase_orders), (SELECT count(*) FROM sales_orders),"
    " (SELECT sum(quantity_on_hand) FROM stock), (SELECT count(*) FROM event_store)"
)


async def counts(pool: asyncpg.Pool) -> tuple[int, ...]:
    row = await pool.fetchrow(COUNTS)
    assert row is not None
    return tuple(row)


async def test_the_seed_builds_the_demo_warehouse_once(
    inventory: httpx.AsyncClient, pool: asyncpg.Pool, inventory_settings: Settings
) -> None:
    seeder = Seeder(pool, EventWriter(default_registry(), inventory_settings.kafka_topic_prefix))
    await seeder.run()
    first = await counts(pool)
    warehouses, zones, bins, items, purchase_orders, sales_orders, units, events = first
    assert (warehouses, zones, bins, items, purchase_orders, sales_orders) == (1, 6, 16, 20, 5, 20)
    assert units == 50 * 4 + 25 + 10 + 100 + 15 + 20 + 30 + 12 + 20 + 8 + 10 + 15 + 40 + 60 + 45 + 35 + 200

    await seeder.run()
    again = await counts(pool)
    assert again[:7] == first[:7]
    assert again[7] == events + 1  # only the settings are written again (an idempotent upsert)

    scanned = (await inventory.get("/api/receiving/po/PO-2026-001")).json()
    assert len(scanned["lines"]) == 10
    receiving_bin = (await inventory.get("/api/admin/settings/default_receiving_bin")).json()["value"]
    assert (await inventory.get(f"/api/admin/bins/{receiving_bin}")).json()["bin"]["bin_code"] == "RECV-01"
    walk = (await inventory.get("/api/admin/bins", params={"bin_type": "Pickable", "per_page": 100})).json()["bins"]
    assert [b["bin_code"] for b in walk if b["pick_sequence"] > 0][:4] == ["A-01-01", "A-01-02", "A-01-03", "A-02-01"]
