"""API tokens: issuance rules, hashing, uniform 401, scopes, rotate/revoke/delete (spec §10 15-21)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from canonical.testing import IdentityKeys, eventually, free_port, serving
from gateway.testing import Gateway, StartGateway, echo_service, event_values

pytestmark = pytest.mark.integration


@pytest.fixture
async def routed(start_gateway: StartGateway, identity_keys: IdentityKeys) -> AsyncIterator[Gateway]:
    async with serving(echo_service(identity_keys.public_setting, [1, 2])) as upstream:
        yield await start_gateway(inventory_url=upstream, dispatcher_url=upstream, inbound_url=upstream)


async def _issue(gateway: Gateway, **body: Any) -> Any:
    async with gateway.client(headers=await gateway.bearer()) as client:
        return await client.post("/api/admin/tokens", json={"token_name": "erp", **body})


async def test_issue_shows_the_plaintext_once_and_stores_the_peppered_hash(routed: Gateway) -> None:
    response = await _issue(routed, endpoints=["events.poll"], warehouse_ids=[1], event_types=["warehouse.created"])
    assert response.status_code == 201, response.text
    body = response.json()
    pepper = routed.settings.sentry_token_pepper
    assert pepper is not None
    expected = hashlib.sha256(pepper.get_secret_value().encode() + body["token"].encode()).hexdigest()
    stored = await routed.sql("SELECT token_hash FROM api_tokens")
    assert stored[0]["token_hash"] == expected
    expires = datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=365))) < timedelta(minutes=5)
    async with routed.client(headers=await routed.bearer()) as client:
        listed = (await client.get("/api/admin/tokens")).json()["tokens"]
    assert body["token"] not in str(listed)
    assert listed[0]["rotation_status"] == "none"
    issued = await routed.sql("SELECT data::text AS data FROM event_store WHERE event_type = 'api_token.issued'")
    assert body["token"] not in issued[0]["data"]
    assert await event_values(routed, "api_token.issued", "endpoints") == ['["events.poll"]']


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "validation_error"),
        ({"endpoints": ["events.poll", "bogus"]}, "validation_error"),
        ({"endpoints": ["events.poll"], "warehouse_ids": [99999999]}, "unknown_warehouse_ids"),
        ({"endpoints": ["events.poll"], "event_types": ["nope.happened"]}, "unknown_event_types"),
        ({"inbound_resources": ["items"]}, "validation_error"),
        ({"source_system": "erp", "inbound_resources": ["gizmos"]}, "validation_error"),
        ({"endpoints": ["events.poll"], "mapping_override": True}, "validation_error"),
        ({"endpoints": ["events.poll"], "colour": "red"}, "validation_error"),
    ],
)
async def test_issuance_rules(routed: Gateway, body: dict[str, Any], code: str) -> None:
    response = await _issue(routed, **body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code


async def test_bad_tokens_all_get_the_same_401(routed: Gateway) -> None:
    good = (await _issue(routed, endpoints=["events.poll"])).json()
    revoked = (await _issue(routed, endpoints=["events.poll"])).json()
    expired = (
        await _issue(routed, endpoints=["events.poll"], expires_at=(datetime.now(UTC) - timedelta(1)).isoformat())
    ).json()
    async with routed.client(headers=await routed.bearer()) as admin:
        await admin.post(f"/api/admin/tokens/{revoked['token_id']}/revoke")
    async with routed.client() as client:
        assert (await client.get("/api/v1/events", headers={"X-WMS-Token": good["token"]})).status_code == 200
        bodies = set()
        for headers in (
            {},
            {"X-WMS-Token": "wrong"},
            {"X-WMS-Token": revoked["token"]},
            {"X-WMS-Token": expired["token"]},
        ):
            response = await client.get("/api/v1/events", headers=headers)
            assert response.status_code == 401
            bodies.add(response.content)
        assert bodies == {b'{"error":"invalid_token"}'}
        # A user's session never opens a machine route.
        session = await client.get("/api/v1/events", headers=await routed.bearer())
        assert session.status_code == 401


async def test_scopes_decide_which_machine_routes_a_token_may_call(routed: Gateway) -> None:
    types_only = (await _issue(routed, endpoints=["events.types"])).json()["token"]
    outbound = (await _issue(routed, endpoints=["events.poll"], event_types=["warehouse.created"])).json()["token"]
    inbound = (await _issue(routed, source_system="erp", inbound_resources=["sales_orders"])).json()["token"]
    async with routed.client() as client:
        assert (await client.get("/api/v1/events/types", headers={"X-WMS-Token": types_only})).status_code == 200
        poll = await client.get("/api/v1/events", headers={"X-WMS-Token": types_only})
        assert poll.status_code == 403
        assert poll.json()["error"] == "endpoint_scope_violation"
        cross = await client.post("/api/v1/inbound/items", json={}, headers={"X-WMS-Token": outbound})
        assert cross.json()["error"] == "cross_direction_scope_violation"
        polled_by_inbound = await client.get("/api/v1/events", headers={"X-WMS-Token": inbound})
        assert polled_by_inbound.json()["error"] == "cross_direction_scope_violation"
        wrong_resource = await client.post("/api/v1/inbound/items", json={}, headers={"X-WMS-Token": inbound})
        assert wrong_resource.json()["error"] == "inbound_resource_scope_violation"
        accepted = await client.post("/api/v1/inbound/sales_orders", json={}, headers={"X-WMS-Token": inbound})
        assert accepted.status_code == 200
        seen = accepted.json()["identity"]
        assert seen["subject"].startswith("system:wms_token:")
        assert seen["role"] == "TOKEN"
    used = await routed.sql("SELECT count(*) AS n FROM api_tokens WHERE last_used_at IS NOT NULL")
    assert used[0]["n"] == 2  # only successful calls count as use


async def test_each_token_has_its_own_quota_per_machine_route(
    start_gateway: StartGateway, identity_keys: IdentityKeys
) -> None:
    async with serving(echo_service(identity_keys.public_setting, [1])) as upstream:
        gateway = await start_gateway(
            inventory_url=upstream, dispatcher_url=upstream, rate_limit_snapshot_per_min=2, rate_limit_events_per_min=3
        )
        both = ["snapshot.inventory", "events.poll", "events.types"]
        issued = [await _issue(gateway, endpoints=both, warehouse_ids=[1]) for _ in range(2)]
        assert [r.status_code for r in issued] == [201, 201], issued[0].text
        first, second = [r.json()["token"] for r in issued]
        async with gateway.client() as client:

            async def statuses(path: str, token: str, count: int) -> list[int]:
                params = {"warehouse_id": 1}
                return [
                    (await client.get(path, params=params, headers={"X-WMS-Token": token})).status_code
                    for _ in range(count)
                ]

            # Every page of the snapshot counts (v1.7: 2 per minute per token).
            assert await statuses("/api/v1/snapshot/inventory", first, 3) == [200, 200, 429]
            limited = await client.get("/api/v1/snapshot/inventory", headers={"X-WMS-Token": first})
            assert limited.json()["error"] == "rate_limited"
            assert 1 <= int(limited.headers["Retry-After"]) <= 61
            # Another token, and another route of the same token, keep their own counts.
            assert await statuses("/api/v1/snapshot/inventory", second, 2) == [200, 200]
            assert await statuses("/api/v1/events", first, 4) == [200, 200, 200, 429]
            assert await statuses("/api/v1/events/types", first, 1) == [200]


async def test_an_inbound_token_has_a_quota_per_resource(
    start_gateway: StartGateway, identity_keys: IdentityKeys
) -> None:
    async with serving(echo_service(identity_keys.public_setting, [1])) as upstream:
        gateway = await start_gateway(inventory_url=upstream, inbound_url=upstream, rate_limit_inbound_per_min=2)
        resources = ["sales_orders", "items"]
        issued = [await _issue(gateway, source_system="erp", inbound_resources=resources) for _ in range(2)]
        assert [r.status_code for r in issued] == [201, 201], issued[0].text
        first, second = [r.json()["token"] for r in issued]
        async with gateway.client() as client:

            async def statuses(resource: str, token: str, count: int) -> list[int]:
                return [
                    (
                        await client.post(f"/api/v1/inbound/{resource}", json={}, headers={"X-WMS-Token": token})
                    ).status_code
                    for _ in range(count)
                ]

            assert await statuses("sales_orders", first, 3) == [200, 200, 429]
            # Per token, not per address: the other system behind the same address keeps its own count.
            assert await statuses("sales_orders", second, 2) == [200, 200]
            assert await statuses("items", first, 2) == [200, 200]


async def test_rotate_revoke_and_delete_take_effect_at_once_and_are_events(routed: Gateway) -> None:
    issued = (await _issue(routed, endpoints=["events.poll"])).json()
    token_id = issued["token_id"]
    async with routed.client(headers=await routed.bearer()) as admin, routed.client() as machine:
        rotated = (await admin.post(f"/api/admin/tokens/{token_id}/rotate")).json()
        assert rotated["token"] != issued["token"]
        assert (await machine.get("/api/v1/events", headers={"X-WMS-Token": issued["token"]})).status_code == 401
        assert (await machine.get("/api/v1/events", headers={"X-WMS-Token": rotated["token"]})).status_code == 200
        assert (await admin.post(f"/api/admin/tokens/{token_id}/revoke")).json()["status"] == "revoked"
        assert (await machine.get("/api/v1/events", headers={"X-WMS-Token": rotated["token"]})).status_code == 401
        assert (await admin.post(f"/api/admin/tokens/{token_id}/rotate")).status_code == 400
        assert (await admin.delete(f"/api/admin/tokens/{token_id}")).status_code == 204
        assert (await admin.post(f"/api/admin/tokens/{token_id}/revoke")).status_code == 404
    assert await event_values(routed, "api_token.deleted", "endpoints") == ['["events.poll"]']
    signatures = await event_values(routed, "api_token.revoked", "signature")
    assert len(signatures) == 1
    assert len(signatures[0]) == 64


async def test_non_admins_cannot_touch_tokens(routed: Gateway) -> None:
    await routed.add_user("clerk")
    async with routed.client(headers=await routed.bearer("clerk")) as client:
        response = await client.post("/api/admin/tokens", json={"token_name": "x", "endpoints": ["events.poll"]})
    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"


async def test_an_inbound_token_names_a_source_system_the_inbound_allow_list_holds(
    start_gateway: StartGateway, identity_keys: IdentityKeys
) -> None:
    allow_list = ["erp", "shop"]
    async with serving(echo_service(identity_keys.public_setting, [1], allow_list)) as upstream:
        gateway = await start_gateway(inventory_url=upstream, inbound_url=upstream)
        unknown = await _issue(gateway, source_system="ghost", inbound_resources=["items"])
        assert unknown.status_code == 400
        assert unknown.json()["code"] == "unknown_source_system"
        assert unknown.json()["source_system"] == "ghost"
        issued = await _issue(gateway, source_system="shop", inbound_resources=["items"])
        assert issued.status_code == 201, issued.text
        outbound = (await _issue(gateway, endpoints=["events.poll"])).json()
        allow_list.remove("shop")  # an admin took the source system off the allow-list since
        async with gateway.client(headers=await gateway.bearer()) as admin:
            stale = await admin.post(f"/api/admin/tokens/{issued.json()['token_id']}/rotate")
            assert stale.status_code == 400
            assert stale.json()["code"] == "unknown_source_system"
            # Tokens without a source system never ask the inbound service.
            assert (await admin.post(f"/api/admin/tokens/{outbound['token_id']}/rotate")).status_code == 200
            assert (await admin.post("/api/admin/tokens/999999/rotate")).status_code == 404
            catalog = (await admin.get("/api/admin/scope-catalog")).json()
            assert catalog["source_systems"] == [{"source_system": "erp", "kind": "erp"}]
            assert catalog["source_systems_available"] is True
    assert len(await event_values(gateway, "api_token.issued", "token_id")) == 2
    assert len(await event_values(gateway, "api_token.rotated", "token_id")) == 1


async def test_with_inbound_down_inbound_tokens_get_a_clean_503_and_outbound_ones_still_issue(
    start_gateway: StartGateway, identity_keys: IdentityKeys
) -> None:
    async with serving(echo_service(identity_keys.public_setting, [1])) as inventory:
        gateway = await start_gateway(inventory_url=inventory, inbound_url=f"http://127.0.0.1:{free_port()}")
        down = await _issue(gateway, source_system="erp", inbound_resources=["items"])
        assert down.status_code == 503
        assert down.json()["code"] == "upstream_unavailable"
        assert (await _issue(gateway, endpoints=["events.poll"])).status_code == 201
        async with gateway.client(headers=await gateway.bearer()) as admin:
            catalog = await admin.get("/api/admin/scope-catalog")
        assert catalog.status_code == 200
        assert (catalog.json()["source_systems"], catalog.json()["source_systems_available"]) == ([], False)
    assert await gateway.sql("SELECT 1 FROM api_tokens WHERE source_system IS NOT NULL") == []


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE api_tokens SET status = 'revoked', revoked_at = now()",
        "UPDATE api_tokens SET expires_at = now()",
        "UPDATE api_tokens SET endpoints = '{events.types}'",
        "DELETE FROM api_tokens",
    ],
)
async def test_token_changes_written_by_anyone_else_act_within_moments(routed: Gateway, change: str) -> None:
    token = (await _issue(routed, endpoints=["events.poll"])).json()["token"]
    async with routed.client(headers={"X-WMS-Token": token}) as machine:
        for _ in range(3):
            assert (await machine.get("/api/v1/events")).status_code == 200
        await routed.sql(change)

        async def refused() -> bool:
            return (await machine.get("/api/v1/events")).status_code in {401, 403}

        await eventually(refused, timeout_s=3)
