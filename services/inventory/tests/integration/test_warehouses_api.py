import asyncio

import httpx
import pytest

from canonical.identity import HEADER, Identity
from canonical.testing import IdentityKeys, eventually

pytestmark = pytest.mark.integration


async def test_create_answers_201_and_the_warehouse_is_readable_at_once(inventory: httpx.AsyncClient) -> None:
    created = await inventory.post(
        "/api/admin/warehouses", json={"warehouse_code": "WH1", "warehouse_name": "Main", "address": "1 Dock Rd"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["warehouse_code"] == "WH1"
    assert body["is_active"] is True

    listed = (await inventory.get("/api/admin/warehouses")).json()
    assert listed["total"] == 1
    assert listed["pages"] == 1
    assert listed["warehouses"][0]["warehouse_id"] == body["warehouse_id"]
    picker = (await inventory.get("/api/warehouses/list")).json()
    assert picker == {"warehouses": [{"id": body["warehouse_id"], "name": "Main", "code": "WH1"}]}


async def test_a_duplicate_code_is_a_400_with_a_stable_code(inventory: httpx.AsyncClient) -> None:
    await inventory.post("/api/admin/warehouses", json={"warehouse_code": "WH1", "warehouse_name": "Main"})
    again = await inventory.post("/api/admin/warehouses", json={"warehouse_code": "WH1", "warehouse_name": "Other"})
    assert again.status_code == 400
    assert again.json()["code"] == "duplicate_warehouse_code"
    assert again.json()["error"] == "Duplicate warehouse_code"


async def test_concurrent_creates_of_one_code_make_exactly_one_warehouse(inventory: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        *(
            inventory.post("/api/admin/warehouses", json={"warehouse_code": "RACE", "warehouse_name": f"W{i}"})
            for i in range(8)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [400] * 7
    assert (await inventory.get("/api/admin/warehouses")).json()["total"] == 1


async def test_unknown_fields_and_bad_values_are_validation_errors(inventory: httpx.AsyncClient) -> None:
    extra = await inventory.post(
        "/api/admin/warehouses", json={"warehouse_code": "W", "warehouse_name": "N", "colour": "red"}
    )
    assert extra.status_code == 400
    assert extra.json()["error"] == "validation_error"
    assert extra.json()["details"][0]["loc"] == ["colour"]
    too_long = await inventory.post("/api/admin/warehouses", json={"warehouse_code": "X" * 33, "warehouse_name": "N"})
    assert too_long.status_code == 400


async def test_requests_without_a_gateway_identity_are_refused(inventory: httpx.AsyncClient) -> None:
    anonymous = await inventory.post(
        "/api/admin/warehouses",
        json={"warehouse_code": "W", "warehouse_name": "N"},
        headers={HEADER: ""},
    )
    assert anonymous.status_code == 401
    forged = await inventory.get("/api/admin/warehouses", headers={HEADER: "eyJhbGciOiJub25lIn0.e30."})
    assert forged.status_code == 401


async def test_non_admins_cannot_create_warehouses(inventory: httpx.AsyncClient, identity_keys: IdentityKeys) -> None:
    picker = Identity(subject="u-2", username="picker", role="USER", warehouse_ids=(1,))
    refused = await inventory.post(
        "/api/admin/warehouses",
        json={"warehouse_code": "W", "warehouse_name": "N"},
        headers=identity_keys.headers(picker),
    )
    assert refused.status_code == 403
    assert (await inventory.get("/api/warehouses/list", headers=identity_keys.headers(picker))).status_code == 200


async def test_probes_and_metrics(inventory: httpx.AsyncClient) -> None:
    assert (await inventory.get("/healthz")).json() == {"status": "ok", "service": "inventory"}

    async def ready() -> httpx.Response | None:
        response = await inventory.get("/readyz")
        assert response.status_code in {200, 503}
        return response if response.status_code == 200 else None

    assert (await eventually(ready)).json()["checks"] == {"database": "ok", "kafka": "ok"}
    metrics = await inventory.get("/metrics")
    assert "wms_http_request_duration_seconds" in metrics.text
