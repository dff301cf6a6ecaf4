"""Receiving and moving stock in the inventory service put Sentry's v1 events on Kafka, through the outbox."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

import inventory.entrypoints.app as inventory_app
from canonical.events.registry import default_registry
from canonical.testing import ADMIN, generate_identity_keys, kafka_bootstrap, serving
from tests.e2e.stack import fresh_inventory

pytestmark = pytest.mark.e2e


@pytest.fixture
async def inventory_service() -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    keys = generate_identity_keys()
    settings = await fresh_inventory(keys)
    async with (
        serving(inventory_app.create_app(settings)) as url,
        httpx.AsyncClient(base_url=url, headers=keys.headers(ADMIN)) as client,
    ):
        yield client, settings.kafka_topic_prefix


async def created(response: httpx.Response, key: str) -> Any:
    assert response.status_code in {200, 201}, response.text
    return response.json()[key]


async def consume_until(prefix: str, wanted: set[str], timeout_s: float = 30) -> dict[str, dict[str, Any]]:
    topics = [f"{prefix}receiving.v1", f"{prefix}stock.v1"]
    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=kafka_bootstrap(), auto_offset_reset="earliest")
    await consumer.start()
    seen: dict[str, dict[str, Any]] = {}
    try:
        async with asyncio.timeout(timeout_s):
            async for message in consumer:
                event = json.loads(message.value or b"{}")
                if event["type"] in wanted:
                    seen[event["type"]] = event
                if wanted <= seen.keys():
                    return seen
    finally:
        await consumer.stop()
    return seen


async def test_receipt_and_move_events_reach_kafka_in_their_v1_shape(
    inventory_service: tuple[httpx.AsyncClient, str],
) -> None:
    client, prefix = inventory_service
    wh = await created(
        await client.post("/api/admin/warehouses", json={"warehouse_code": "W", "warehouse_name": "W"}), "warehouse_id"
    )
    zone = await created(
        await client.post(
            "/api/admin/zones", json={"warehouse_id": wh, "zone_code": "Z", "zone_name": "Z", "zone_type": "STORAGE"}
        ),
        "zone_id",
    )
    bins = [
        await created(
            await client.post(
                "/api/admin/bins", json={"warehouse_id": wh, "zone_id": zone, "bin_code": code, "bin_barcode": code}
            ),
            "bin_id",
        )
        for code in ("DOCK", "A-01")
    ]
    item = await created(await client.post("/api/admin/items", json={"sku": "SKU-1", "item_name": "Widget"}), "item_id")
    order = await client.post(
        "/api/admin/purchase-orders",
        json={"po_number": "PO-1", "warehouse_id": wh, "lines": [{"item_id": item, "quantity_ordered": 5}]},
    )
    po_id = order.json()["purchase_order"]["po_id"]
    entry = {"item_id": item, "quantity": 5, "bin_id": bins[0], "lot_number": "L1"}
    assert (await client.post("/api/receiving/receive", json={"po_id": po_id, "items": [entry]})).status_code == 200
    move = {"item_id": item, "from_bin_id": bins[0], "to_bin_id": bins[1], "quantity": 2, "lot_number": "L1"}
    assert (await client.post("/api/transfers/move", json=move)).status_code == 200

    seen = await consume_until(prefix, {"receipt.completed", "transfer.completed"})
    assert seen.keys() == {"receipt.completed", "transfer.completed"}
    registry = default_registry()
    for event in seen.values():
        registry.latest(event["type"]).validate(event["data"])
    assert seen["receipt.completed"]["data"]["lines"][0]["quantity_received"] == 5
    assert seen["receipt.completed"]["warehouseid"] == wh
    assert seen["transfer.completed"]["data"]["lines"][0]["quantity"] == 2
    assert (
        seen["transfer.completed"]["data"]["from_warehouse_id"]
        == seen["transfer.completed"]["data"]["to_warehouse_id"]
        == wh
    )
