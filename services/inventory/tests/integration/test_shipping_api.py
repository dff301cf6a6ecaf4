"""Packing and shipping over HTTP, with Sentry's pick/pack/ship events committed through the outbox."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import httpx
import pytest

from .test_orders_support import Floor, order_lines, order_status, pick_floor, sales_order

pytestmark = pytest.mark.integration


@pytest.fixture
async def floor(inventory: httpx.AsyncClient) -> Floor:
    return await pick_floor(inventory)


async def picked_order(client: httpx.AsyncClient, floor: Floor, number: str) -> int:
    """An order for 3 x TST-1 and 2 x TST-2, batched, fully picked and completed."""
    so_id: int = (await sales_order(client, floor, number, ("TST-1", 3), ("TST-2", 2)))["sales_order"]["so_id"]
    batch = (
        await client.post("/api/picking/create-batch", json={"so_identifiers": [number], "warehouse_id": floor.wh})
    ).json()
    for task in batch["tasks"]:
        body = {
            "pick_task_id": task["pick_task_id"],
            "scanned_barcode": task["upc"],
            "quantity_picked": task["quantity_to_pick"],
        }
        assert (await client.post("/api/picking/confirm", json=body)).status_code == 200
    assert (await client.post("/api/picking/complete-batch", json={"batch_id": batch["batch_id"]})).status_code == 200
    return so_id


async def events_of(pool: asyncpg.Pool, so_id: int) -> list[tuple[str, dict[str, Any]]]:
    rows = await pool.fetch(
        "SELECT event_type, data FROM event_store WHERE stream_id = $1 ORDER BY stream_version", f"sales_order-{so_id}"
    )
    return [(r["event_type"], json.loads(r["data"]) if isinstance(r["data"], str) else r["data"]) for r in rows]


async def test_pack_then_ship_emits_sentry_v1_events(
    inventory: httpx.AsyncClient, floor: Floor, pool: asyncpg.Pool
) -> None:
    not_ready = await inventory.get("/api/packing/order/SO-OPEN")
    assert not_ready.status_code == 404
    await sales_order(inventory, floor, "SO-OPEN", ("TST-1", 1))
    assert "not ready for packing" in (await inventory.get("/api/packing/order/SO-OPEN")).json()["error"]

    so_id = await picked_order(inventory, floor, "SO-1")
    desk = (await inventory.get("/api/packing/order/SO-1")).json()
    assert (desk["calculated_weight_lbs"], desk["total_items"], desk["items_verified"]) == (4.0, 5, 0)

    unverified = await inventory.post("/api/packing/complete", json={"so_id": so_id})
    assert unverified.status_code == 400
    assert "not yet verified" in unverified.json()["error"]
    assert (
        await inventory.post("/api/packing/verify", json={"so_id": so_id, "scanned_barcode": "WRONG-UPC"})
    ).status_code == 400
    too_many = await inventory.post(
        "/api/packing/verify", json={"so_id": so_id, "scanned_barcode": "UPC-TST-1", "quantity": 100}
    )
    assert too_many.status_code == 400
    assert "remaining" in too_many.json()["error"]
    verified = await inventory.post(
        "/api/packing/verify", json={"so_id": so_id, "scanned_barcode": "UPC-TST-1", "quantity": 3}
    )
    assert verified.json()["item"] == {
        "sku": "TST-1",
        "item_name": "Item TST-1",
        "quantity_verified": 3,
        "line_complete": True,
    }
    assert verified.json()["order_progress"] == {"total_lines": 2, "lines_verified": 1, "all_verified": False}
    await inventory.post("/api/packing/verify", json={"so_id": so_id, "scanned_barcode": "TST-2", "quantity": 2})

    packing_first = await inventory.get("/api/shipping/order/SO-1")
    assert packing_first.status_code == 400
    assert "packed" in packing_first.json()["error"]
    packed = await inventory.post("/api/packing/complete", json={"so_id": so_id})
    assert packed.status_code == 200
    assert packed.json()["status"] == "PACKED"
    assert (await inventory.post("/api/packing/complete", json={"so_id": so_id})).status_code == 400

    lookup = (await inventory.get("/api/shipping/order/SO-1")).json()
    assert (lookup["total_items"], lookup["total_lines"]) == (5, 2)
    assert (await inventory.get(f"/api/shipping/order/{'X' * 101}")).status_code == 400
    for bad in (
        {"carrier": "   "},
        {"carrier": 42},
        {"carrier": "U" * 101},
        {"tracking_number": "1" * 256},
        {"carrier": None},
    ):
        body = {"so_id": so_id, "tracking_number": "1Z999AA10123456784", "carrier": "UPS", **bad}
        refused = await inventory.post("/api/shipping/fulfill", json={k: v for k, v in body.items() if v is not None})
        assert refused.status_code == 400
        assert refused.json()["error"] == "validation_error", bad
    shipped = await inventory.post(
        "/api/shipping/fulfill",
        json={"so_id": so_id, "tracking_number": "1Z999AA10123456784", "carrier": " UPS ", "ship_method": "GROUND"},
    )
    assert shipped.status_code == 200, shipped.text
    assert (shipped.json()["lines_shipped"], shipped.json()["total_quantity"], shipped.json()["carrier"]) == (
        2,
        5,
        "UPS",
    )
    assert await order_status(inventory, so_id) == "SHIPPED"
    assert {line["status"] for line in (await order_lines(inventory, so_id)).values()} == {"SHIPPED"}
    assert (
        await inventory.post("/api/shipping/fulfill", json={"so_id": 99999, "tracking_number": "T", "carrier": "UPS"})
    ).status_code == 404

    events = dict(await events_of(pool, so_id))
    external = events["sales_order.created"]["external_id"]
    assert events["pick.confirmed"]["sales_order_external_id"] == external
    assert [line["quantity_picked"] for line in events["pick.confirmed"]["lines"]] == [3, 2]
    package = events["pack.confirmed"]["packages"][0]
    assert (package["package_external_id"], package["weight_lb"], package["dimensions_in"]) == (
        f"{external}-pkg-1",
        4.0,
        None,
    )
    ship = events["ship.confirmed"]
    assert (ship["tracking_numbers"], ship["carrier"], ship["service_level"]) == (
        ["1Z999AA10123456784"],
        "UPS",
        "GROUND",
    )


async def test_picked_orders_ship_without_packing_only_when_the_toggle_is_off(
    inventory: httpx.AsyncClient, floor: Floor
) -> None:
    so_id = await picked_order(inventory, floor, "SO-2")
    body = {"so_id": so_id, "tracking_number": "T-1", "carrier": "UPS"}
    refused = await inventory.post("/api/shipping/fulfill", json=body)
    assert refused.status_code == 400
    assert "packed" in refused.json()["error"]
    toggled = await inventory.put(
        "/api/admin/settings", json={"settings": {"require_packing_before_shipping": "false"}}
    )
    assert toggled.status_code == 200, toggled.text
    assert (await inventory.get("/api/shipping/order/SO-2")).status_code == 200
    assert (await inventory.post("/api/shipping/fulfill", json=body)).status_code == 200
    assert await order_status(inventory, so_id) == "SHIPPED"
