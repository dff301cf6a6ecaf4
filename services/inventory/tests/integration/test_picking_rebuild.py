"""The fulfilment read models (orders, batches, tasks, shares, short picks) rebuilt from events equal the live ones."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from inventory.adapters.projections.rebuild import PROJECTION_TABLES
from inventory.entrypoints.rebuild import rebuild
from inventory.settings import Settings

from .test_orders_support import pick_floor, sales_order
from .test_rebuild import snapshot

pytestmark = pytest.mark.integration

FULFILMENT_TABLES = (
    "sales_orders",
    "sales_order_lines",
    "pick_batches",
    "pick_batch_orders",
    "pick_tasks",
    "pick_task_shares",
    "short_picks",
)


async def test_fulfilment_projections_rebuild_to_the_live_state(
    inventory: httpx.AsyncClient, pool: asyncpg.Pool, inventory_settings: Settings
) -> None:
    floor = await pick_floor(inventory)
    a = (await sales_order(inventory, floor, "SO-A", ("TST-1", 9), ("TST-2", 2)))["sales_order"]["so_id"]
    b = (await sales_order(inventory, floor, "SO-B", ("TST-1", 3)))["sales_order"]["so_id"]
    wave = (await inventory.post("/api/picking/wave-create", json={"so_ids": [a, b], "warehouse_id": floor.wh})).json()
    first = wave["first_pick"]
    assert (
        await inventory.post(
            "/api/picking/short", json={"pick_task_id": first["pick_task_id"], "quantity_available": 5}
        )
    ).status_code == 200
    assert (await inventory.post(f"/api/admin/sales-orders/{b}/cancel")).status_code == 200
    batch = wave["batch_id"]
    while "pick_task_id" in (task := (await inventory.get(f"/api/picking/batch/{batch}/next")).json()):
        body = {
            "pick_task_id": task["pick_task_id"],
            "scanned_barcode": task["sku"],
            "quantity_picked": task["quantity_to_pick"],
        }
        assert (await inventory.post("/api/picking/confirm", json=body)).status_code == 200
    assert (await inventory.post("/api/picking/complete-batch", json={"batch_id": batch})).status_code == 200
    await inventory.put("/api/admin/settings", json={"settings": {"require_packing_before_shipping": "false"}})
    ship = {"so_id": a, "tracking_number": "T-1", "carrier": "UPS"}
    assert (await inventory.post("/api/shipping/fulfill", json=ship)).status_code == 200

    live = await snapshot(pool)
    await rebuild(inventory_settings)
    rebuilt = await snapshot(pool)
    assert set(FULFILMENT_TABLES) <= set(PROJECTION_TABLES)
    for table in (*FULFILMENT_TABLES, "stock"):
        assert rebuilt[table] == live[table], table
    assert len(live["short_picks"]) == 1
    assert len(live["pick_task_shares"]) >= 3
