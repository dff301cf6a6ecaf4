"""An ERP pushes items, a purchase order and a sales order through the gateway; the warehouse works them at once.

Read-your-writes across services: each inbound POST answers 201 only once
inventory has applied the record, so the very next read through the gateway
sees it — then the PO is received and put away, and the sales order picked,
on the scanner API.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import inbound.entrypoints.app as inbound_app
import inventory.entrypoints.app as inventory_app
from canonical.identity import HEADER, Identity, sign_identity
from canonical.testing import ADMIN, eventually, generate_identity_keys, serving, unique_topic_prefix
from gateway.testing import Gateway
from tests.e2e.stack import erp_inbound, fresh_inventory, served_gateway, until_ready

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Stack:
    gateway: Gateway
    erp: dict[str, str]  # the ERP's X-WMS-Token header
    admin: dict[str, str]  # an admin's bearer header


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    keys = generate_identity_keys()
    prefix = unique_topic_prefix()  # inbound and inventory talk over the same topics
    inventory_settings = await fresh_inventory(keys, prefix)
    # A generous bound (under the gateway's 30 s upstream timeout): a loaded CI machine must not turn
    # the 201 this test asserts into a 202.
    inbound_settings = await erp_inbound(keys, prefix, tmp_path, inbound_apply_wait_ms=20_000)
    async with (
        serving(inventory_app.create_app(inventory_settings)) as inventory_url,
        serving(inbound_app.create_app(inbound_settings)) as inbound_url,
    ):
        for url in (inventory_url, inbound_url):
            await until_ready(url)  # both joined Kafka: their topics exist and their consumers start
        async with served_gateway(keys, inventory_url=inventory_url, inbound_url=inbound_url) as gateway:
            admin = await gateway.bearer()
            async with gateway.client(headers=admin) as client:
                issued = await client.post(
                    "/api/admin/tokens",
                    json={
                        "token_name": "erp-feed",
                        "source_system": "erp",
                        "inbound_resources": ["items", "customers", "purchase_orders", "sales_orders"],
                    },
                )
            assert issued.status_code == 201, issued.text
            yield Stack(gateway, {"X-WMS-Token": issued.json()["token"]}, admin)


async def push(stack: Stack, resource: str, external_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    """One inbound POST through the gateway; 201 means inventory has applied it."""
    body = {"external_id": external_id, "external_version": "2026-12-04T10:00:00+00:00", "source_payload": payload}
    async with stack.gateway.client(headers=stack.erp, timeout=30) as erp:
        response = await erp.post(f"/api/v1/inbound/{resource}", json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_records_pushed_inbound_are_worked_on_the_floor_right_away(stack: Stack) -> None:
    suffix = uuid.uuid4().hex[:6].upper()
    sku = f"ERP-{suffix}"
    await push(stack, "items", f"I-{suffix}", {"sku": sku, "title": "Hex bolt M8", "barcode": f"UPC{suffix}"})
    async with stack.gateway.client(headers=stack.admin) as admin:
        # Read-your-writes: the item is there on the very next request.
        found = (await admin.get("/api/admin/items", params={"q": sku})).json()["items"]
        assert [(i["sku"], i["item_name"]) for i in found] == [(sku, "Hex bolt M8")]
        item_id = found[0]["item_id"]

        warehouse = await admin.post(
            "/api/admin/warehouses", json={"warehouse_code": f"W{suffix}", "warehouse_name": "Main"}
        )
        assert warehouse.status_code == 201, warehouse.text
        wh = warehouse.json()["warehouse_id"]
        zone = await admin.post(
            "/api/admin/zones",
            json={"warehouse_id": wh, "zone_code": "PICK", "zone_name": "Pick", "zone_type": "PICKING"},
        )
        bins = {}
        for code, extra in (("DOCK", {"bin_type": "Staging"}), ("A-01", {"pick_sequence": 100})):
            made = await admin.post(
                "/api/admin/bins",
                json={
                    "warehouse_id": wh,
                    "zone_id": zone.json()["zone_id"],
                    "bin_code": code,
                    "bin_barcode": code,
                    **extra,
                },
            )
            assert made.status_code == 201, made.text
            bins[code] = made.json()["bin_id"]

    po_number = f"PO-{suffix}"
    await push(
        stack,
        "purchase_orders",
        f"P-{suffix}",
        {"po": po_number, "warehouse": wh, "lines": [{"sku": sku, "quantity": 12}]},
    )
    async with stack.gateway.client(headers=stack.admin) as floor:
        po = (await floor.get(f"/api/receiving/po/{po_number}")).json()
        assert [(line["sku"], line["quantity_ordered"]) for line in po["lines"]] == [(sku, 12)]
        received = await floor.post(
            "/api/receiving/receive",
            json={
                "po_id": po["purchase_order"]["po_id"],
                "items": [{"item_id": item_id, "quantity": 12, "bin_id": bins["DOCK"]}],
            },
        )
        assert received.status_code == 200, received.text
        put = await floor.post(
            "/api/putaway/confirm",
            json={"item_id": item_id, "from_bin_id": bins["DOCK"], "to_bin_id": bins["A-01"], "quantity": 12},
        )
        assert put.status_code == 200, put.text

    await push(stack, "customers", f"C-{suffix}", {"name": "Globex", "email": "ops@globex.example"})
    so_number = f"SO-{suffix}"
    order = {
        "order_number": so_number,
        "warehouse": wh,
        "customer_id": f"C-{suffix}",
        "lines": [{"sku": sku, "quantity": 5}],
    }
    await push(stack, "sales_orders", f"S-{suffix}", order)
    async with stack.gateway.client(headers=stack.admin) as picker:
        batch = await picker.post("/api/picking/create-batch", json={"so_identifiers": [so_number], "warehouse_id": wh})
        assert batch.status_code == 200, batch.text
        task = (await picker.get(f"/api/picking/batch/{batch.json()['batch_id']}/next")).json()
        assert (task["sku"], task["bin_code"], task["quantity_to_pick"]) == (sku, "A-01", 5)
        confirmed = await picker.post(
            "/api/picking/confirm",
            json={"pick_task_id": task["pick_task_id"], "scanned_barcode": f"UPC{suffix}", "quantity_picked": 5},
        )
        assert confirmed.status_code == 200, confirmed.text
        done = await picker.post("/api/picking/complete-batch", json={"batch_id": batch.json()["batch_id"]})
        assert done.status_code == 200, done.text
        so = (await picker.get(f"/api/lookup/so/{so_number}")).json()["sales_order"]
    assert so["status"] == "PICKED"


async def test_bulk_feeds_get_202_and_follow_the_status_url_through_the_gateway(stack: Stack) -> None:
    """The gateway passes `Prefer` on and the 202 with its Location back; the status URL is in the token's scope."""
    body = {
        "external_id": f"C-{uuid.uuid4().hex[:6]}",
        "external_version": "2026-12-04T10:00:00+00:00",
        "source_payload": {"name": "Initech"},
    }
    async with stack.gateway.client(headers=stack.erp) as erp:
        queued = await erp.post("/api/v1/inbound/customers", json=body, headers={"Prefer": "respond-async"})
        assert queued.status_code == 202, queued.text
        assert queued.headers["preference-applied"] == "respond-async"
        location = queued.headers["location"]

        async def applied() -> bool:
            status = await erp.get(location)
            assert status.status_code == 200, status.text
            return bool(status.json()["apply_state"] == "applied")

        await eventually(applied, timeout_s=30)


FEED = Identity(
    subject="system:wms_token:7",
    username="erp-feed",
    role="TOKEN",
    scopes=("inbound:items", "inbound:purchase_orders"),
    extra={"source_system": "erp", "inbound_resources": ["items", "purchase_orders"]},
)


async def test_a_backlog_is_applied_in_the_order_it_was_accepted(tmp_path: Path) -> None:
    """A bulk feed sent while inventory is away (`Prefer: respond-async`) is applied, when it returns, in the
    order inbound accepted it: every purchase order finds the item posted just before it, whatever partitions
    the records' own streams hash to (one Kafka key per source system)."""
    keys = generate_identity_keys()
    prefix = unique_topic_prefix()
    # Several partitions, as deployed (the test suite's default is one, which would order everything anyway).
    partitions = {"kafka_topic_partitions": 3}
    inventory_settings = (await fresh_inventory(keys, prefix)).model_copy(update=partitions)
    inbound_settings = (await erp_inbound(keys, prefix, tmp_path)).model_copy(update=partitions)
    admin = {HEADER: sign_identity(ADMIN, keys.private)}
    feed = {HEADER: sign_identity(FEED, keys.private, ttl_s=600), "Prefer": "respond-async"}
    async with serving(inventory_app.create_app(inventory_settings)) as inventory_url:
        await until_ready(inventory_url)  # its consumer group exists; it resumes from here when it returns
        async with httpx.AsyncClient(base_url=inventory_url, headers=admin) as client:
            made = await client.post("/api/admin/warehouses", json={"warehouse_code": "FEED", "warehouse_name": "Feed"})
        assert made.status_code == 201, made.text
    warehouse_id = made.json()["warehouse_id"]

    def body(external_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"external_id": external_id, "external_version": "2026-12-04T10:00:00+00:00", "source_payload": payload}

    async with serving(inbound_app.create_app(inbound_settings)) as inbound_url:
        await until_ready(inbound_url)
        async with httpx.AsyncClient(base_url=inbound_url, headers=feed) as erp:
            statuses = []
            for n in range(12):
                sku = f"FEED-{n}"
                item = await erp.post("/api/v1/inbound/items", json=body(f"I-{n}", {"sku": sku, "title": "Feed item"}))
                lines = [{"sku": sku, "quantity": 1}]
                order = await erp.post(
                    "/api/v1/inbound/purchase_orders",
                    json=body(f"P-{n}", {"po": f"PO-{n}", "warehouse": warehouse_id, "lines": lines}),
                )
                assert (item.status_code, order.status_code) == (202, 202), order.text
                statuses.append(order.headers["location"])
            async with serving(inventory_app.create_app(inventory_settings)):

                async def settled() -> list[str] | None:
                    states = [(await erp.get(location)).json()["apply_state"] for location in statuses]
                    return None if "pending" in states else states

                assert await eventually(settled, timeout_s=60) == ["applied"] * len(statuses)
