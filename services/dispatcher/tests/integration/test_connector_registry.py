"""The connector registry and consumer-group admin over HTTP: codes, references, races, and every change journalled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from canonical import testing
from canonical.events.registry import default_registry
from canonical.identity import Identity
from canonical.testing import IdentityKeys

from .support import Dispatcher, database_connection, running_dispatcher

pytestmark = pytest.mark.integration

REGISTRY = "/api/admin/connector-registry"
GROUPS = "/api/admin/consumer-groups"


@pytest.fixture(scope="module")
async def dispatcher(database: testing.TestDatabase, identity_keys: IdentityKeys) -> AsyncIterator[Dispatcher]:
    async with running_dispatcher(database, identity_keys, allow_internal=False) as dispatcher:
        yield dispatcher


async def journal(dispatcher: Dispatcher, stream_id: str) -> list[dict[str, Any]]:
    """The stream's events in order, each checked against its schema."""
    async with database_connection(dispatcher) as connection:
        rows = await connection.fetch(
            "SELECT event_type, data, metadata FROM event_store WHERE stream_id = $1 ORDER BY stream_version",
            stream_id,
        )
    registry = default_registry()
    for row in rows:
        registry.latest(row["event_type"]).validate(row["data"])
        assert row["metadata"]["actor"] == testing.ADMIN.subject  # who did it, for the audit log
    return [{"type": r["event_type"], "data": r["data"]} for r in rows]


async def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert (response.status_code, response.json().get("code")) == (status, code), response.text
    body: dict[str, Any] = response.json()
    return body


async def test_register_list_rename_and_remove_a_connector(dispatcher: Dispatcher) -> None:
    created = await dispatcher.call("POST", REGISTRY, json={"connector_id": "erp-a", "display_name": "ERP"}, expect=201)
    assert (created["connector_id"], created["display_name"]) == ("erp-a", "ERP")
    again = await dispatcher.api.post(
        REGISTRY, json={"connector_id": "erp-a", "display_name": "Other"}, headers=dispatcher.admin()
    )
    await refused(again, 409, "duplicate_connector_id")

    renamed = await dispatcher.call("PATCH", f"{REGISTRY}/erp-a", json={"display_name": "ERP (prod)"})
    assert renamed["display_name"] == "ERP (prod)"
    await dispatcher.call("PATCH", f"{REGISTRY}/erp-a", json={"display_name": "ERP (prod)"})  # no-op: no event
    listed = await dispatcher.call("GET", REGISTRY)
    assert [(c["connector_id"], c["display_name"]) for c in listed["connectors"]] == [("erp-a", "ERP (prod)")]

    await dispatcher.call("DELETE", f"{REGISTRY}/erp-a")
    assert (await dispatcher.call("GET", REGISTRY))["connectors"] == []
    for method, body in (("PATCH", {"display_name": "x"}), ("DELETE", None)):
        missing = await dispatcher.api.request(method, f"{REGISTRY}/erp-a", json=body, headers=dispatcher.admin())
        await refused(missing, 404, "connector_not_found")

    assert await journal(dispatcher, "connector-erp-a") == [
        {"type": "connector_registry.created", "data": {"connector_id": "erp-a", "display_name": "ERP"}},
        {
            "type": "connector_registry.updated",
            "data": {"connector_id": "erp-a", "changes": {"display_name": {"before": "ERP", "after": "ERP (prod)"}}},
        },
        {"type": "connector_registry.deleted", "data": {"connector_id": "erp-a", "display_name": "ERP (prod)"}},
    ]


async def test_bad_input_is_a_4xx_and_changes_nothing(dispatcher: Dispatcher) -> None:
    bad = [
        {"connector_id": "", "display_name": "x"},
        {"connector_id": "a" * 65, "display_name": "x"},
        {"connector_id": "a/b", "display_name": "x"},
        {"connector_id": "ok", "display_name": " "},
        {"connector_id": "ok", "display_name": "x", "extra": 1},
    ]
    for body in bad:
        response = await dispatcher.api.post(REGISTRY, json=body, headers=dispatcher.admin())
        assert 400 <= response.status_code < 500, (body, response.text)
    user = Identity(subject="user:7", username="picker", role="USER")
    forbidden = await dispatcher.api.get(REGISTRY, headers=dispatcher.keys.headers(user))
    assert forbidden.status_code == 403
    assert await journal(dispatcher, "connector-ok") == []


async def test_a_group_needs_a_registered_connector(dispatcher: Dispatcher) -> None:
    unknown = await dispatcher.api.post(
        GROUPS, json={"consumer_group_id": "g-unknown", "connector_id": "nobody"}, headers=dispatcher.admin()
    )
    body = await refused(unknown, 400, "unknown_connector_id")
    assert body["connector_id"] == "nobody"
    assert await journal(dispatcher, "consumer_group-g-unknown") == []


async def test_a_referenced_connector_cannot_be_removed(dispatcher: Dispatcher) -> None:
    await dispatcher.call("POST", REGISTRY, json={"connector_id": "wms-bi", "display_name": "BI"}, expect=201)
    await dispatcher.call("POST", GROUPS, json={"consumer_group_id": "bi-main", "connector_id": "wms-bi"}, expect=201)
    # A filter no event here matches: nothing is queued, so the purge below is not blocked by live deliveries.
    subscription = await dispatcher.subscribe(
        "https://93.184.215.14/bi", connector_id="wms-bi", subscription_filter={"event_types": ["warehouse.created"]}
    )
    assert subscription["connector_id"] == "wms-bi"
    (created,) = await journal(dispatcher, f"webhook_subscription-{subscription['subscription_id']}")
    assert created["data"]["connector_id"] == "wms-bi"
    unknown = await dispatcher.api.post(
        "/api/admin/webhooks",
        json={"display_name": "x", "delivery_url": "https://93.184.215.14/x", "connector_id": "nobody"},
        headers=dispatcher.admin(),
    )
    await refused(unknown, 400, "connector_not_found")  # v1.7's code for webhooks

    in_use = await dispatcher.api.delete(f"{REGISTRY}/wms-bi", headers=dispatcher.admin())
    body = await refused(in_use, 409, "connector_in_use")
    assert (body["consumer_groups"], body["webhook_subscriptions"]) == (1, 1)
    await dispatcher.call("DELETE", f"{GROUPS}/bi-main")
    still = await dispatcher.api.delete(f"{REGISTRY}/wms-bi", headers=dispatcher.admin())
    assert (await refused(still, 409, "connector_in_use"))["webhook_subscriptions"] == 1

    # A revoked subscription still names its connector (its history is kept); only a purge lets go.
    await dispatcher.call("DELETE", f"/api/admin/webhooks/{subscription['subscription_id']}")
    revoked = await dispatcher.api.delete(f"{REGISTRY}/wms-bi", headers=dispatcher.admin())
    await refused(revoked, 409, "connector_in_use")
    await dispatcher.call("DELETE", f"/api/admin/webhooks/{subscription['subscription_id']}?purge=true")
    await dispatcher.call("DELETE", f"{REGISTRY}/wms-bi")
    assert [e["type"] for e in await journal(dispatcher, "connector-wms-bi")] == [
        "connector_registry.created",
        "connector_registry.deleted",
    ]


async def test_two_registrations_of_one_id_at_once_give_one_409(dispatcher: Dispatcher) -> None:
    async def register(name: str) -> httpx.Response:
        return await dispatcher.api.post(
            REGISTRY, json={"connector_id": "racy", "display_name": name}, headers=dispatcher.admin()
        )

    responses = await asyncio.gather(*(register(f"racer {i}") for i in range(2)))
    assert sorted(r.status_code for r in responses) == [201, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["code"] == "duplicate_connector_id"
    winner = next(r for r in responses if r.status_code == 201)
    assert [e["data"]["display_name"] for e in await journal(dispatcher, "connector-racy")] == [
        winner.json()["display_name"]
    ]


async def test_removing_a_connector_races_a_group_naming_it_without_leaving_an_orphan(dispatcher: Dispatcher) -> None:
    for attempt in range(5):
        connector, group = f"race-{attempt}", f"race-group-{attempt}"
        await dispatcher.call("POST", REGISTRY, json={"connector_id": connector, "display_name": "R"}, expect=201)
        removed, created = await asyncio.gather(
            dispatcher.api.delete(f"{REGISTRY}/{connector}", headers=dispatcher.admin()),
            dispatcher.api.post(
                GROUPS, json={"consumer_group_id": group, "connector_id": connector}, headers=dispatcher.admin()
            ),
        )
        # Either order is fine; both succeeding (a group naming a removed connector) is not.
        assert (removed.status_code, created.status_code) in {(200, 400), (409, 201)}, (removed.text, created.text)
        groups = (await dispatcher.call("GET", GROUPS))["consumer_groups"]
        connectors = {c["connector_id"] for c in (await dispatcher.call("GET", REGISTRY))["connectors"]}
        assert all(g["connector_id"] in connectors for g in groups if g["connector_id"] is not None)


async def test_every_consumer_group_change_is_journalled(dispatcher: Dispatcher) -> None:
    await dispatcher.call("POST", REGISTRY, json={"connector_id": "audited", "display_name": "A"}, expect=201)
    path = f"{GROUPS}/audited-main"
    create = {"consumer_group_id": "audited-main", "connector_id": "audited", "subscription": {"warehouse_ids": [4]}}
    await dispatcher.call("POST", GROUPS, json=create, expect=201)
    await dispatcher.call("PATCH", path, json={"subscription": {"event_types": ["warehouse.created"]}})
    await dispatcher.call("PATCH", path, json={"subscription": {"event_types": ["warehouse.created"]}})  # no-op
    await dispatcher.call("DELETE", path)
    refusal = await dispatcher.api.post(GROUPS, json=create, headers=dispatcher.admin())
    await refused(refusal, 409, "replay_would_skip_history")
    await dispatcher.call("POST", GROUPS, json={**create, "acknowledge_replay": True}, expect=201)
    missing = await dispatcher.api.patch(f"{GROUPS}/nope", json={"subscription": {}}, headers=dispatcher.admin())
    await refused(missing, 404, "consumer_group_not_found")

    events = await journal(dispatcher, "consumer_group-audited-main")
    assert [e["data"] for e in events] == [
        {
            "consumer_group_id": "audited-main",
            "connector_id": "audited",
            "subscription": {"warehouse_ids": [4]},
            "acknowledged_replay": False,
        },
        {
            "consumer_group_id": "audited-main",
            "changes": {
                "subscription": {"before": {"warehouse_ids": [4]}, "after": {"event_types": ["warehouse.created"]}}
            },
        },
        {
            "consumer_group_id": "audited-main",
            "connector_id": "audited",
            "last_cursor": 0,
            "subscription_at_delete": {"event_types": ["warehouse.created"]},
        },
        {
            "consumer_group_id": "audited-main",
            "connector_id": "audited",
            "subscription": {"warehouse_ids": [4]},
            "acknowledged_replay": True,
            "last_cursor_at_delete": 0,
        },
    ]
    assert [e["type"] for e in events] == [
        "consumer_group.created",
        "consumer_group.updated",
        "consumer_group.deleted",
        "consumer_group.created",
    ]
