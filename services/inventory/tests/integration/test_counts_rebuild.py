"""The control read models (counts, lines, reviewed adjustments) rebuilt from the event store equal the live ones."""

import asyncpg
import httpx
import pytest

from inventory.entrypoints.rebuild import rebuild
from inventory.settings import Settings

from .support import bin_, item, warehouse, zone
from .test_rebuild import snapshot

pytestmark = pytest.mark.integration


async def test_counts_and_reviews_rebuild_to_the_live_state(
    inventory: httpx.AsyncClient, pool: asyncpg.Pool, inventory_settings: Settings
) -> None:
    wh = await warehouse(inventory)
    shelf = (await bin_(inventory, wh, await zone(inventory, wh), "A-01"))["bin_id"]
    items = [(await item(inventory, sku))["item_id"] for sku in ("S-1", "S-2", "S-3")]
    for item_id in items[:2]:
        body = {"warehouse_id": wh, "bin_id": shelf, "item_id": item_id, "adjustment_type": "ADD"}
        await inventory.post("/api/admin/adjustments/direct", json={**body, "quantity": 10, "reason": "x"})
    count_id = (
        await inventory.post("/api/inventory/cycle-count/create", json={"warehouse_id": wh, "bin_ids": [shelf]})
    ).json()["counts"][0]["count_id"]
    lines = (await inventory.get(f"/api/inventory/cycle-count/{count_id}")).json()["lines"]
    submitted = await inventory.post(
        "/api/inventory/cycle-count/submit",
        json={
            "count_id": count_id,
            "lines": [
                {"count_line_id": lines[0]["count_line_id"], "counted_quantity": 7},
                {"count_line_id": lines[1]["count_line_id"], "counted_quantity": 12},
                {"counted_quantity": 2, "unexpected": True, "item_id": items[2]},
            ],
        },
    )
    first, second, third = (a["adjustment_id"] for a in submitted.json()["summary"]["adjustments"])
    decisions = [
        {"adjustment_id": first, "action": "approve"},
        {"adjustment_id": second, "action": "reject"},
        {"adjustment_id": third, "action": "approve"},
    ]
    assert (await inventory.post("/api/admin/adjustments/review", json={"decisions": decisions})).status_code == 200

    live = await snapshot(pool)
    assert len(live["cycle_count_lines"]) == 3
    assert {a["status"] for a in live["adjustments"]} >= {"APPROVED", "REJECTED"}
    await rebuild(inventory_settings)
    rebuilt = await snapshot(pool)
    for table in ("cycle_counts", "cycle_count_lines", "adjustments", "stock", "stock_movements"):
        assert rebuilt[table] == live[table], table
