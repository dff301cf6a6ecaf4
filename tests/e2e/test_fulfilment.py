"""Order fulfilment through the gateway on the real stack, from the demo seed (domain.md Part N, picking to shipping).

The gateway authenticates the scanner and forwards to the inventory service; every scenario below is a
scanner or admin call as the field would make it: the seed's contention wave, its serpentine walk, its
short picks, packing and shipping with Sentry's events, an order cancelled mid-pick, a retried confirm.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from canonical.db import create_pool
from canonical.events.registry import default_registry
from canonical.eventstore.store import EventWriter
from canonical.testing import generate_identity_keys, require_test_database
from gateway.testing import Gateway
from inventory.entrypoints.seed import Seeder
from tests.e2e.stack import fresh_inventory, inventory_behind_gateway

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Floor:
    gateway: Gateway
    admin: httpx.AsyncClient
    warehouse_id: int


@pytest.fixture
async def floor() -> AsyncIterator[Floor]:
    """Inventory seeded with the demo warehouse and its 20 orders, behind a real gateway."""
    keys = generate_identity_keys()
    settings = await fresh_inventory(keys)
    pool = await create_pool(require_test_database("inventory").app_url, min_size=1, max_size=2)
    try:
        seeder = Seeder(pool, EventWriter(default_registry(), settings.kafka_topic_prefix))
        await seeder.run()
        assert await pool.fetchval("SELECT count(*) FROM sales_orders WHERE status = 'OPEN'") == 20
        warehouse_id = int(await pool.fetchval("SELECT warehouse_id FROM warehouses WHERE warehouse_code = 'APT-LAB'"))
    finally:
        await pool.close()
    async with (
        inventory_behind_gateway(keys, settings) as gateway,
        gateway.client(headers=await gateway.bearer()) as admin,
    ):
        yield Floor(gateway, admin, warehouse_id)


async def inventory_events(event_type: str) -> list[dict[str, Any]]:
    """The payloads of one event type in the inventory event store (what the outbox relay publishes)."""
    connection = await asyncpg.connect(require_test_database("inventory").admin_url)
    try:
        rows = await connection.fetch(
            "SELECT data FROM event_store WHERE event_type = $1 ORDER BY global_position", event_type
        )
    finally:
        await connection.close()
    return [json.loads(r["data"]) if isinstance(r["data"], str) else r["data"] for r in rows]


async def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


async def so_id(floor: Floor, number: str) -> int:
    found = await ok(await floor.admin.get(f"/api/lookup/so/{number}"))
    return int(found["sales_order"]["so_id"])


async def pick_everything(client: httpx.AsyncClient, batch_id: int) -> list[dict[str, Any]]:
    """Walk the batch as the scanner does: next, scan the UPC, confirm the full quantity."""
    walked = []
    while "pick_task_id" in (task := await ok(await client.get(f"/api/picking/batch/{batch_id}/next"))):
        body = {
            "pick_task_id": task["pick_task_id"],
            "scanned_barcode": task["upc"],
            "quantity_picked": task["quantity_to_pick"],
        }
        await ok(await client.post("/api/picking/confirm", json=body))
        walked.append(task)
    return walked


async def bin_position(floor: Floor, bin_code: str, sku: str) -> tuple[int, int]:
    bins = await ok(
        await floor.admin.get("/api/admin/bins", params={"q": bin_code, "warehouse_id": floor.warehouse_id})
    )
    bin_id = next(b["bin_id"] for b in bins["bins"] if b["bin_code"] == bin_code)
    stock = (await ok(await floor.admin.get(f"/api/admin/bins/{bin_id}")))["inventory"]
    found = [p for p in stock if p["sku"] == sku]
    return (found[0]["quantity_on_hand"], found[0]["quantity_allocated"]) if found else (0, 0)


async def test_contention_orders_merge_into_one_task_per_bin_in_a_wave(floor: Floor) -> None:
    numbers = [f"SO-2026-0{n}" for n in range(11, 16)]
    for number in numbers:
        valid = await ok(
            await floor.admin.post(
                "/api/picking/wave-validate", json={"so_barcode": number, "warehouse_id": floor.warehouse_id}
            )
        )
        assert valid["valid"] is True
    ids = [await so_id(floor, n) for n in numbers]
    wave = await ok(
        await floor.admin.post("/api/picking/wave-create", json={"so_ids": ids, "warehouse_id": floor.warehouse_id})
    )
    assert (wave["total_orders"], wave["total_picks"], wave["total_units"]) == (5, 2, 25)
    assert len(wave["first_pick"]["contributing_orders"]) == 5
    assert await bin_position(floor, "A-01-01", "TST-001") == (50, 10)
    walked = await pick_everything(floor.admin, wave["batch_id"])
    assert [(t["bin_code"], t["quantity_to_pick"]) for t in walked] == [("A-01-01", 10), ("B-01-01", 15)]
    done = await ok(await floor.admin.post("/api/picking/complete-batch", json={"batch_id": wave["batch_id"]}))
    assert (done["summary"]["total_orders"], done["summary"]["total_shorts"]) == (5, 0)
    assert await bin_position(floor, "A-01-01", "TST-001") == (40, 0)
    assert len(await inventory_events("pick.confirmed")) == 5  # one per order, committed with the completion


async def test_the_serpentine_orders_are_walked_by_pick_sequence(floor: Floor) -> None:
    numbers = ["SO-2026-016", "SO-2026-017", "SO-2026-018"]
    batch = await ok(
        await floor.admin.post(
            "/api/picking/create-batch", json={"so_identifiers": numbers, "warehouse_id": floor.warehouse_id}
        )
    )
    assert [o["tote_number"] for o in batch["orders"]] == ["TOTE-1", "TOTE-2", "TOTE-3"]
    walked = await pick_everything(floor.admin, batch["batch_id"])
    # Bulk (sequence 0) first, then shelf 1 left to right, shelf 2 right to left, shelf 3 left to right.
    assert [t["bin_code"] for t in walked] == [
        "BULK-01",
        "A-01-01",
        "A-01-02",
        "A-01-03",
        "A-02-01",
        "A-02-02",
        "A-02-03",
        "B-01-01",
        "B-01-01",
        "B-01-02",
        "B-01-03",
        "B-01-03",
    ]
    assert [t["pick_sequence"] for t in walked] == sorted(t["pick_sequence"] for t in walked)
    assert [t["pick_number"] for t in walked] == list(range(1, 13))


async def test_short_picks_warn_hold_the_missing_units_and_are_reported(floor: Floor) -> None:
    ids = [await so_id(floor, "SO-2026-019")]
    wave = await ok(
        await floor.admin.post("/api/picking/wave-create", json={"so_ids": ids, "warehouse_id": floor.warehouse_id})
    )
    assert wave["warnings"] == [{"sku": "TST-006", "needed": 99, "available": 10}]
    task = wave["first_pick"]
    short = await ok(
        await floor.admin.post(
            "/api/picking/short", json={"pick_task_id": task["pick_task_id"], "quantity_available": 8}
        )
    )
    assert (short["task"]["status"], short["task"]["shortage"]) == ("SHORT", 2)
    assert await bin_position(floor, "A-02-03", "TST-006") == (2, 2)  # on the books, held for a count
    report = await ok(await floor.admin.get("/api/admin/short-picks", params={"warehouse_id": floor.warehouse_id}))
    assert [(r["sku"], r["bin_code"], r["shortage"]) for r in report["short_picks"]] == [("TST-006", "A-02-03", 2)]

    batch = await ok(
        await floor.admin.post(
            "/api/picking/create-batch", json={"so_identifiers": ["SO-2026-020"], "warehouse_id": floor.warehouse_id}
        )
    )
    assert batch["total_items"] == 200  # under-allocated: only what is on hand
    lines = (await ok(await floor.admin.get(f"/api/admin/sales-orders/{batch['orders'][0]['so_id']}")))["lines"]
    assert (lines[0]["quantity_ordered"], lines[0]["quantity_allocated"]) == (999, 200)


async def test_pick_pack_ship_with_sentry_events_and_a_retried_confirm(floor: Floor) -> None:
    batch = await ok(
        await floor.admin.post(
            "/api/picking/create-batch", json={"so_identifiers": ["SO-2026-001"], "warehouse_id": floor.warehouse_id}
        )
    )
    task = batch["tasks"][0]
    body = {"pick_task_id": task["pick_task_id"], "scanned_barcode": task["upc"], "quantity_picked": 2}
    key = {"X-Request-ID": str(uuid.uuid4())}
    first = await ok(await floor.admin.post("/api/picking/confirm", json=body, headers=key))
    retried = await floor.admin.post("/api/picking/confirm", json=body, headers=key)
    assert retried.status_code == 200
    assert retried.json() == first
    assert await bin_position(floor, "A-01-01", "TST-001") == (48, 0)
    await ok(await floor.admin.post("/api/picking/complete-batch", json={"batch_id": batch["batch_id"]}))

    so = await so_id(floor, "SO-2026-001")
    desk = await ok(await floor.admin.get("/api/packing/order/SO-2026-001"))
    assert desk["calculated_weight_lbs"] == 0.1
    await ok(
        await floor.admin.post(
            "/api/packing/verify", json={"so_id": so, "scanned_barcode": "100000000001", "quantity": 2}
        )
    )
    await ok(await floor.admin.post("/api/packing/complete", json={"so_id": so}))
    shipped = await ok(
        await floor.admin.post(
            "/api/shipping/fulfill",
            json={"so_id": so, "tracking_number": "1Z999AA10123456784", "carrier": "UPS", "ship_method": "GROUND"},
        )
    )
    assert shipped["total_quantity"] == 2
    shipped_events = await inventory_events("ship.confirmed")
    assert [(e["carrier"], e["service_level"], e["tracking_numbers"]) for e in shipped_events] == [
        ("UPS", "GROUND", ["1Z999AA10123456784"])
    ]
    assert len(await inventory_events("pack.confirmed")) == 1
    found = (await ok(await floor.admin.get("/api/lookup/so/SO-2026-001")))["sales_order"]
    assert found["status"] == "SHIPPED"


async def test_cancelling_an_order_mid_pick_gives_everything_back(floor: Floor) -> None:
    batch = await ok(
        await floor.admin.post(
            "/api/picking/create-batch", json={"so_identifiers": ["SO-2026-010"], "warehouse_id": floor.warehouse_id}
        )
    )
    first = batch["tasks"][0]
    await ok(
        await floor.admin.post(
            "/api/picking/confirm",
            json={
                "pick_task_id": first["pick_task_id"],
                "scanned_barcode": first["upc"],
                "quantity_picked": first["quantity_to_pick"],
            },
        )
    )
    so = batch["orders"][0]["so_id"]
    assert (await floor.admin.post(f"/api/admin/sales-orders/{so}/cancel")).status_code == 200
    for sku, bin_code, on_hand in (
        ("TST-001", "A-01-01", 50),
        ("TST-007", "B-01-01", 100),
        ("TST-012", "A-01-02", 20),
        ("TST-018", "B-01-02", 45),
    ):
        assert await bin_position(floor, bin_code, sku) == (on_hand, 0)
    again = await floor.admin.post(f"/api/admin/sales-orders/{so}/cancel")
    assert again.status_code == 409


async def test_a_scoped_picker_picks_in_its_warehouse_but_may_not_pack(floor: Floor) -> None:
    await floor.gateway.add_user("picker", warehouse_ids=[floor.warehouse_id], allowed_functions=["pick"])
    async with floor.gateway.client(headers=await floor.gateway.bearer("picker")) as picker:
        body = {"so_identifiers": ["SO-2026-002"], "warehouse_id": floor.warehouse_id}
        batch = await ok(await picker.post("/api/picking/create-batch", json=body))
        active = await ok(await picker.get("/api/picking/active-batch"))
        assert (active["active"], active["batch_id"], active["total_picks"]) == (True, batch["batch_id"], 1)
        walked = await pick_everything(picker, batch["batch_id"])
        assert [t["sku"] for t in walked] == ["TST-005"]
        await ok(await picker.post("/api/picking/complete-batch", json={"batch_id": batch["batch_id"]}))
        assert (await ok(await picker.get("/api/picking/active-batch"))) == {"active": False}
        so = await so_id(floor, "SO-2026-002")
        packing = await picker.post("/api/packing/complete", json={"so_id": so})
        assert packing.status_code == 403
        elsewhere = await picker.post(
            "/api/picking/create-batch",
            json={"so_identifiers": ["SO-2026-003"], "warehouse_id": floor.warehouse_id + 1},
        )
        assert elsewhere.status_code == 403
