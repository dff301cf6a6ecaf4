"""X-Request-ID: a repeated command returns the stored result and applies once, even when repeats race."""

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from canonical.identity import Identity
from canonical.testing import IdentityKeys

from .support import bin_, item, warehouse, zone

pytestmark = pytest.mark.integration


@pytest.fixture
async def shelf(inventory: httpx.AsyncClient) -> dict[str, Any]:
    wh = await warehouse(inventory)
    z = await zone(inventory, wh)
    return {
        "wh": wh,
        "a1": (await bin_(inventory, wh, z, "A-01"))["bin_id"],
        "a2": (await bin_(inventory, wh, z, "A-02"))["bin_id"],
        "item": (await item(inventory, "SKU-1"))["item_id"],
    }


def add(shelf: dict[str, Any], quantity: int) -> dict[str, Any]:
    return {
        "warehouse_id": shelf["wh"],
        "bin_id": shelf["a1"],
        "item_id": shelf["item"],
        "adjustment_type": "ADD",
        "quantity": quantity,
        "reason": "found",
    }


async def on_hand(client: httpx.AsyncClient, bin_id: int) -> int:
    inventory = (await client.get(f"/api/admin/bins/{bin_id}")).json()["inventory"]
    return sum(p["quantity_on_hand"] for p in inventory)


async def test_a_repeated_request_returns_the_first_result_and_applies_once(
    inventory: httpx.AsyncClient, shelf: dict[str, Any]
) -> None:
    key = {"X-Request-ID": str(uuid.uuid4())}
    first = await inventory.post("/api/admin/adjustments/direct", json=add(shelf, 5), headers=key)
    again = await inventory.post("/api/admin/adjustments/direct", json=add(shelf, 5), headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await on_hand(inventory, shelf["a1"]) == 5

    fresh = await inventory.post("/api/admin/adjustments/direct", json=add(shelf, 5))
    assert fresh.json()["adjustment_id"] != first.json()["adjustment_id"]
    assert await on_hand(inventory, shelf["a1"]) == 10


async def test_an_id_the_gateway_minted_is_no_retry_key(
    inventory: httpx.AsyncClient, shelf: dict[str, Any], pool: asyncpg.Pool
) -> None:
    """The gateway forwards a request id on every request; one it minted (the client sent none) is never retried
    by anyone, so claiming it would only cost two round trips and a row per command."""
    minted = {"X-Request-ID": str(uuid.uuid4()), "X-Request-ID-Minted": "true"}
    first = await inventory.post("/api/admin/adjustments/direct", json=add(shelf, 5), headers=minted)
    again = await inventory.post("/api/admin/adjustments/direct", json=add(shelf, 5), headers=minted)
    assert first.status_code == again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert first.headers["x-request-id"] == minted["X-Request-ID"]  # still the id the logs know it by
    assert await on_hand(inventory, shelf["a1"]) == 10
    claimed = await pool.fetchval(
        "SELECT count(*) FROM command_requests WHERE request_id = $1", first.headers["x-request-id"]
    )
    assert claimed == 0


async def test_racing_repeats_of_one_move_apply_it_once(inventory: httpx.AsyncClient, shelf: dict[str, Any]) -> None:
    await inventory.post("/api/admin/adjustments/direct", json=add(shelf, 10))
    key = {"X-Request-ID": str(uuid.uuid4())}
    body = {"item_id": shelf["item"], "from_bin_id": shelf["a1"], "to_bin_id": shelf["a2"], "quantity": 3}
    responses = await asyncio.gather(*(inventory.post("/api/transfers/move", json=body, headers=key) for _ in range(6)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["transfer_id"] for r in responses}) == 1
    assert (await on_hand(inventory, shelf["a1"]), await on_hand(inventory, shelf["a2"])) == (7, 3)


async def test_a_failed_command_claims_nothing_so_its_retry_runs(
    inventory: httpx.AsyncClient, shelf: dict[str, Any]
) -> None:
    key = {"X-Request-ID": str(uuid.uuid4())}
    body = {"item_id": shelf["item"], "from_bin_id": shelf["a1"], "to_bin_id": shelf["a2"], "quantity": 3}
    assert (await inventory.post("/api/transfers/move", json=body, headers=key)).status_code == 400  # nothing there
    await inventory.post("/api/admin/adjustments/direct", json=add(shelf, 3))
    assert (await inventory.post("/api/transfers/move", json=body, headers=key)).status_code == 200


async def test_an_id_reused_by_another_caller_or_route_is_refused(
    inventory: httpx.AsyncClient, shelf: dict[str, Any], identity_keys: IdentityKeys
) -> None:
    key = str(uuid.uuid4())
    await inventory.post("/api/admin/adjustments/direct", json=add(shelf, 1), headers={"X-Request-ID": key})
    other_admin = Identity(subject="admin-2", username="root2", role="ADMIN")
    reused = await inventory.post(
        "/api/admin/adjustments/direct",
        json=add(shelf, 1),
        headers={**identity_keys.headers(other_admin), "X-Request-ID": key},
    )
    assert reused.status_code == 409
    assert reused.json()["code"] == "request_id_reused"
    assert await on_hand(inventory, shelf["a1"]) == 1
