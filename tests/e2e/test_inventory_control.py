"""Inventory control through the gateway: counts, a second admin's approval, reports, imports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from canonical.testing import generate_identity_keys
from gateway.testing import Gateway
from tests.e2e.stack import fresh_inventory, inventory_behind_gateway, warehouse_with_bins

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Floor:
    gateway: Gateway
    warehouse_id: int
    bin_id: int


@pytest.fixture
async def floor() -> AsyncIterator[Floor]:
    keys = generate_identity_keys()
    async with inventory_behind_gateway(keys, await fresh_inventory(keys)) as gateway:
        async with gateway.client(headers=await gateway.bearer()) as admin:
            warehouse_id, [shelf] = await warehouse_with_bins(admin, "A-01-01", zone_type="PICKING")
        yield Floor(gateway, warehouse_id, shelf)


async def test_a_counted_variance_is_approved_by_a_second_admin_and_reported(floor: Floor) -> None:
    gateway = floor.gateway
    await gateway.add_user("auditor", role="ADMIN")
    await gateway.add_user("counter", warehouse_ids=[floor.warehouse_id], allowed_functions=["count"])
    async with gateway.client(headers=await gateway.bearer()) as admin:
        imported = await admin.post(
            "/api/admin/import/items",
            json={"csv": 'sku,name,default_bin,quantity\nTST-001,"Fly, dry",A-01-01,50\nTST-002,=cmd(),,\n'},
        )
        assert imported.status_code == 200, imported.text
        assert (imported.json()["imported"], imported.json()["skipped"]) == (1, 1)
        assert (
            await admin.put("/api/admin/settings", json={"settings": {"require_count_approval_separation": "true"}})
        ).status_code == 200

    async with gateway.client(headers=await gateway.bearer("counter")) as counter:
        created = await counter.post(
            "/api/inventory/cycle-count/create", json={"warehouse_id": floor.warehouse_id, "bin_ids": [floor.bin_id]}
        )
        assert created.status_code == 200, created.text
        count_id = created.json()["counts"][0]["count_id"]
        line = (await counter.get(f"/api/inventory/cycle-count/{count_id}")).json()["lines"][0]
        assert (line["sku"], line["expected_quantity"]) == ("TST-001", 50)
        submitted = await counter.post(
            "/api/inventory/cycle-count/submit",
            json={"count_id": count_id, "lines": [{"count_line_id": line["count_line_id"], "counted_quantity": 47}]},
        )
        assert submitted.json()["status"] == "VARIANCE"
        adjustment_id = submitted.json()["summary"]["adjustments"][0]["adjustment_id"]
        assert (await counter.get("/api/admin/adjustments/pending")).status_code == 403

    async with gateway.client(headers=await gateway.bearer("auditor")) as auditor:
        board = (await auditor.get("/api/admin/dashboard", params={"warehouse_id": floor.warehouse_id})).json()
        assert board["pending_adjustments"] == 1
        review = {"decisions": [{"adjustment_id": adjustment_id, "action": "approve"}]}
        approved = await auditor.post("/api/admin/adjustments/review", json=review)
        assert approved.json()["approved"] == 1
        listed = (await auditor.get("/api/admin/inventory", params={"warehouse_id": floor.warehouse_id})).json()
        assert [(r["sku"], r["quantity_on_hand"]) for r in listed["inventory"]] == [("TST-001", 47)]
        assert listed["inventory"][0]["last_counted_at"] is not None
