"""Forwarding: identity token, header hygiene, scope and function checks, upstream failures."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from canonical.identity import HEADER
from canonical.testing import free_port, serving
from gateway.testing import Gateway, StartGateway, echo_service

pytestmark = pytest.mark.integration


@pytest.fixture
async def routed(start_gateway: StartGateway, identity_keys: Any) -> AsyncIterator[Gateway]:
    async with serving(echo_service(identity_keys.public_setting, [1, 2])) as upstream:
        yield await start_gateway(
            inventory_url=upstream,
            audit_url=upstream,
            inbound_url=upstream,
            upstream_timeout_s=1.0,
            dispatcher_url=f"http://127.0.0.1:{free_port()}",
        )


async def test_requests_reach_the_owner_with_a_signed_identity_and_clean_headers(routed: Gateway) -> None:
    admin = await routed.bearer()
    request_id = str(uuid.uuid4())
    headers = {**admin, "X-Request-ID": request_id, HEADER: "forged", "Connection": "keep-alive", "Cookie": "a=b"}
    async with routed.client(headers=headers) as client:
        response = await client.post("/api/items/7?x=1", json={"sku": "A"})
    assert response.status_code == 200, response.text
    assert response.headers["x-upstream"] == "yes"
    assert response.headers["x-request-id"] == request_id
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    seen = response.json()
    assert (seen["path"], seen["query"], seen["body"]) == ("/api/items/7", "x=1", '{"sku":"A"}')
    assert seen["identity"]["role"] == "ADMIN"
    assert seen["headers"]["x-request-id"] == request_id
    assert "x-request-id-minted" not in seen["headers"]  # the client's own id: services may treat it as a retry key
    assert "authorization" not in seen["headers"]
    assert "cookie" not in seen["headers"]


async def test_a_request_id_the_gateway_minted_is_marked_so_no_service_takes_it_for_a_retry_key(
    routed: Gateway,
) -> None:
    async with routed.client(headers=await routed.bearer()) as client:
        minted = await client.post("/api/items/7", json={})
        forged = await client.post(
            "/api/items/7", json={}, headers={"X-Request-ID": str(uuid.uuid4()), "X-Request-ID-Minted": "no"}
        )
    seen = minted.json()["headers"]
    assert seen["x-request-id"] == minted.headers["x-request-id"]
    assert seen["x-request-id-minted"] == "true"
    # The marker is the gateway's alone: a client's is never passed on (sending one opts its id out of retries).
    assert forged.json()["headers"]["x-request-id-minted"] == "true"


async def test_paths_and_queries_reach_the_service_as_the_client_meant_them(routed: Gateway) -> None:
    async with routed.client(headers=await routed.bearer()) as client:
        response = await client.get("/api/items/a%20b%25c%2Fd?q=x%2By&sku=A+B&sku=%C3%A9")
    seen = response.json()
    assert seen["path"] == "/api/items/a b%c/d"
    assert seen["query"] == "q=x%2By&sku=A+B&sku=%C3%A9"


async def test_upstream_statuses_pass_through_and_outages_become_clean_json(routed: Gateway) -> None:
    async with routed.client(headers=await routed.bearer()) as client:
        assert (await client.get("/api/teapot")).status_code == 418
        down = await client.get("/api/admin/webhooks")
        assert down.status_code == 503
        assert down.json()["code"] == "upstream_unavailable"
        slow = await client.get("/api/slow")
        assert slow.status_code == 504
        assert slow.json()["code"] == "upstream_timeout"


async def test_anonymous_requests_never_reach_a_service(routed: Gateway) -> None:
    async with routed.client() as client:
        response = await client.get("/api/items")
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


async def test_published_documents_answer_without_an_identity_and_nothing_else_does(routed: Gateway) -> None:
    async with routed.client() as anonymous:
        schema = await anonymous.get("/api/v1/inbound/mapping-schema")
        assert schema.status_code == 200, schema.text
        seen = schema.json()
        assert seen["path"] == "/api/v1/inbound/mapping-schema"
        assert seen["identity"] == {"subject": "anonymous", "role": "ANONYMOUS", "wh": []}
        # Only that method and that exact path: the rest of the inbound API still wants a token.
        assert (await anonymous.post("/api/v1/inbound/mapping-schema", json={})).status_code == 401
        assert (await anonymous.get("/api/v1/inbound/mapping-schema/x")).status_code == 401
        assert (await anonymous.post("/api/v1/inbound/items", json={})).status_code == 401
        assert (await anonymous.get("/api/admin/inbound/source-systems")).status_code == 401
    async with routed.client(headers=await routed.bearer()) as admin:
        routed_to_inbound = await admin.get("/api/admin/inbound/source-systems")
        assert routed_to_inbound.json()["source_systems"][0]["source_system"] == "erp"


async def test_warehouse_scope_for_users_and_none_for_admins(routed: Gateway) -> None:
    await routed.add_user("picker", warehouse_ids=[1], allowed_functions=["pick"])
    admin = await routed.bearer()
    user = await routed.bearer("picker")
    async with routed.client(headers=user) as client:
        assert (await client.get("/api/items?warehouse_id=1")).status_code == 200
        denied = await client.get("/api/items?warehouse_id=2")
        assert denied.status_code == 403
        assert denied.json()["error"] == "Access denied for this warehouse"
        mismatch = await client.post("/api/items?warehouse_id=1", json={"warehouse_id": 2})
        assert mismatch.status_code == 400
        assert mismatch.json()["error"] == "warehouse_id mismatch across request"
        assert (await client.get("/api/items?warehouse_id=abc")).json()["error"] == "Invalid warehouse_id"
        assert (await client.get("/api/items?warehouse_id=1&warehouse_id=2")).status_code == 400
        assert (await client.get("/api/admin/anything")).json()["error"] == "Forbidden"
        seen = (await client.get("/api/items")).json()
        assert seen["identity"]["wh"] == [1]
        assert seen["identity"]["role"] == "USER"
    async with routed.client(headers=admin) as client:
        assert (await client.post("/api/items?warehouse_id=1", json={"warehouse_id": 2})).status_code == 200


async def test_scanner_functions_are_enforced_on_the_server(routed: Gateway) -> None:
    await routed.add_user("picker", warehouse_ids=[1], allowed_functions=["pick"])
    async with routed.client(headers=await routed.bearer("picker")) as client:
        assert (await client.get("/api/picking/next")).status_code == 200
        refused = await client.post("/api/receiving/receive", json={"warehouse_id": 1})
        assert refused.status_code == 403
        assert refused.json()["code"] == "function_not_allowed"
        assert (await client.post("/api/inventory/cycle-count/submit", json={})).status_code == 403
        assert (await client.get("/api/receivingx")).status_code == 200  # a prefix, not a substring


async def test_users_admin_checks_warehouses_with_inventory_and_changes_act_at_once(routed: Gateway) -> None:
    async with routed.client(headers=await routed.bearer()) as client:
        unknown = await client.post(
            "/api/admin/users", json={"username": "u1", "password": "Sturdy-Pass-42", "warehouse_ids": [1, 99]}
        )
        assert unknown.status_code == 400
        assert unknown.json()["missing"] == [99]
        weak = await client.post("/api/admin/users", json={"username": "u1", "password": "admin"})
        assert weak.status_code == 400
        created = await client.post(
            "/api/admin/users",
            json={"username": "u1", "password": "Sturdy-Pass-42", "warehouse_ids": [2, 1], "full_name": "U One"},
        )
        assert created.status_code == 201, created.text
        user = created.json()
        assert user["warehouse_id"] == 2
        duplicate = await client.post("/api/admin/users", json={"username": "U1", "password": "Sturdy-Pass-42"})
        assert duplicate.status_code == 400
        assert duplicate.json()["code"] == "duplicate_username"
        listed = (await client.get("/api/admin/users?per_page=1")).json()
        assert (listed["total"], listed["pages"], len(listed["users"])) == (2, 2, 1)
        user_headers = await routed.bearer("u1")
        async with routed.client(headers=user_headers) as as_user:
            assert (await as_user.get("/api/items?warehouse_id=1")).status_code == 200
            moved = await client.put(f"/api/admin/users/{user['user_id']}", json={"warehouse_ids": [2]})
            assert moved.status_code == 200
            assert (await as_user.get("/api/items?warehouse_id=1")).status_code == 403
            off = await client.put(f"/api/admin/users/{user['user_id']}", json={"is_active": False})
            assert off.status_code == 200
            assert (await as_user.get("/api/auth/me")).status_code == 401
        assert (await client.put("/api/admin/users/999999", json={"full_name": "x"})).status_code == 404
        extra = await client.put(f"/api/admin/users/{user['user_id']}", json={"username": "renamed"})
        assert extra.status_code == 400


async def test_the_last_admin_cannot_be_demoted_even_by_concurrent_requests(routed: Gateway) -> None:
    second = await routed.add_user("boss", role="ADMIN")
    async with routed.client(headers=await routed.bearer()) as client:
        me = (await client.get("/api/admin/users")).json()["users"][0]
        assert (await client.put(f"/api/admin/users/{me['user_id']}", json={"is_active": False})).status_code == 400
        boss = await routed.bearer("boss")
        async with routed.client(headers=boss) as other:
            # Each demotes the other: only one may win, or no admin would remain.
            results = await asyncio.gather(
                client.put(f"/api/admin/users/{second['user_id']}", json={"role": "USER"}),
                other.put(f"/api/admin/users/{me['user_id']}", json={"role": "USER"}),
            )
    # The loser is refused by the guard (400) or, if the winner committed first, as a demoted user (403).
    assert sorted(r.status_code for r in results) in ([200, 400], [200, 403])
    admins = await routed.sql("SELECT count(*) AS n FROM users WHERE role = 'ADMIN' AND is_active")
    assert admins[0]["n"] == 1
    assert len(await routed.sql("SELECT 1 FROM event_store WHERE event_type = 'user.updated'")) == 1
