"""The gateway in front of the real inventory service: one public entry, identity verified downstream."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from canonical.testing import generate_identity_keys
from gateway.testing import Gateway
from tests.e2e.stack import fresh_inventory, inventory_behind_gateway

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Stack:
    gateway: Gateway
    inventory_url: str


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    keys = generate_identity_keys()
    async with inventory_behind_gateway(keys, await fresh_inventory(keys)) as gateway:
        yield Stack(gateway, gateway.settings.inventory_url)


async def test_a_warehouse_created_through_the_gateway_can_be_assigned_at_once(stack: Stack) -> None:
    gateway = stack.gateway
    async with gateway.client(headers=await gateway.bearer()) as admin:
        created = await admin.post(
            "/api/admin/warehouses", json={"warehouse_code": f"E2E{uuid.uuid4().hex[:6]}", "warehouse_name": "Dock"}
        )
        assert created.status_code == 201, created.text
        warehouse_id = created.json()["warehouse_id"]
        # No lag: the gateway asks inventory, it does not wait for a copy to catch up.
        user = await admin.post(
            "/api/admin/users",
            json={"username": "floor", "password": "Sturdy-Pass-42", "warehouse_ids": [warehouse_id]},
        )
        assert user.status_code == 201, user.text
        unknown = await admin.post(
            "/api/admin/users",
            json={"username": "ghost", "password": "Sturdy-Pass-42", "warehouse_ids": [warehouse_id + 1]},
        )
        assert unknown.json()["missing"] == [warehouse_id + 1]
    async with gateway.client(headers=await gateway.bearer("floor")) as floor:
        picker = await floor.get("/api/warehouses/list")
        assert picker.status_code == 200
        assert warehouse_id in [w["id"] for w in picker.json()["warehouses"]]
        assert (await floor.post("/api/admin/warehouses", json={})).json()["error"] == "Forbidden"


async def test_services_refuse_requests_that_bypass_the_gateway(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.inventory_url) as direct:
        response = await direct.get("/api/warehouses/list", headers={"X-Sentry-Identity": "forged"})
    assert response.status_code == 401


async def test_me_drops_pack_as_soon_as_packing_is_no_longer_required(stack: Stack) -> None:
    gateway = stack.gateway
    async with gateway.client(headers=await gateway.bearer()) as admin:
        assert "pack" in (await admin.get("/api/auth/me")).json()["allowed_functions"]
        changed = await admin.put(
            "/api/admin/settings", json={"settings": {"require_packing_before_shipping": "false"}}
        )
        assert changed.status_code == 200, changed.text
        me = (await admin.get("/api/auth/me")).json()
    assert me["require_packing"] is False
    assert "pack" not in me["allowed_functions"]
