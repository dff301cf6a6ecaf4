"""Every admin change of a subscription is an event, committed with the change, carrying no secret."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from canonical import testing
from canonical.events.registry import default_registry
from canonical.testing import IdentityKeys

from .support import Dispatcher, database_connection, running_dispatcher

pytestmark = pytest.mark.integration

# A credential in the path and the query (userinfo is refused at once): neither may reach an event.
SECRET_URL = "https://93.184.215.14/hooks/T0KEN-IN-PATH?key=QUERY-KEY"
SECRET_PARTS = ("T0KEN-IN-PATH", "QUERY-KEY")


@pytest.fixture(scope="module")
async def dispatcher(database: testing.TestDatabase, identity_keys: IdentityKeys) -> AsyncIterator[Dispatcher]:
    async with running_dispatcher(database, identity_keys, allow_internal=False) as dispatcher:
        yield dispatcher


async def journal(dispatcher: Dispatcher, subscription_id: str) -> list[dict[str, Any]]:
    """The subscription's stream in order (the outbox row of each is written with it, then relayed and deleted)."""
    async with database_connection(dispatcher) as connection:
        rows = await connection.fetch(
            "SELECT event_type, data, metadata FROM event_store WHERE stream_id = $1 ORDER BY stream_version",
            f"webhook_subscription-{subscription_id}",
        )
    return [dict(r) for r in rows]


async def test_each_admin_change_is_journalled_without_secrets(dispatcher: Dispatcher) -> None:
    created = await dispatcher.subscribe(SECRET_URL, subscription_filter={"event_types": ["warehouse.created"]})
    subscription_id = created["subscription_id"]
    path = f"/api/admin/webhooks/{subscription_id}"
    await dispatcher.call("PATCH", path, json={"display_name": "ERP 2", "rate_limit_per_second": 10})
    await dispatcher.call("PATCH", path, json={"display_name": "ERP 2"})  # no-op: no event
    await dispatcher.call("POST", f"{path}/pause")
    await dispatcher.call("POST", f"{path}/resume")
    rotated = await dispatcher.call("POST", f"{path}/rotate-secret")
    await dispatcher.call("PATCH", path, json={"delivery_url": "https://93.184.215.14/other"})
    await dispatcher.call("DELETE", path)
    await dispatcher.call("DELETE", path)  # already revoked: idempotent, no second event

    events = await journal(dispatcher, subscription_id)
    assert [e["event_type"] for e in events] == [
        "webhook.subscription_created",
        "webhook.subscription_updated",
        "webhook.subscription_paused",
        "webhook.subscription_resumed",
        "webhook.subscription_secret_rotated",
        "webhook.subscription_updated",
        "webhook.subscription_deleted",
    ]
    registry = default_registry()
    for event in events:
        registry.latest(event["event_type"]).validate(event["data"])
        assert event["data"]["subscription_id"] == subscription_id
        assert event["metadata"]["actor"]  # who did it, for the audit log
        wire = json.dumps([event["data"], event["metadata"]])
        for secret in (created["secret"], rotated["secret"], *SECRET_PARTS):
            assert secret not in wire
    created_event, updated, paused, resumed, rotated_event, moved, deleted = (e["data"] for e in events)
    assert created_event["delivery_origin"] == "https://93.184.215.14"
    assert created_event["subscription_filter"] == {"event_types": ["warehouse.created"]}
    assert updated["changes"] == {
        "display_name": {"before": "ERP", "after": "ERP 2"},
        "rate_limit_per_second": {"before": 50, "after": 10},
    }
    assert paused["reason"] == "manual"
    assert resumed["previous_pause_reason"] == "manual"
    assert rotated_event["secret_generation"] == 1
    url_change = moved["changes"]["delivery_url"]
    assert url_change["before"]["sha256"] == created_event["delivery_url_sha256"]
    assert url_change["before"]["sha256"] != url_change["after"]["sha256"]
    assert deleted == {"subscription_id": subscription_id, "purged": False}


async def test_a_refused_change_leaves_no_event(dispatcher: Dispatcher) -> None:
    created = await dispatcher.subscribe("https://93.184.215.14/refused")
    response = await dispatcher.api.patch(
        f"/api/admin/webhooks/{created['subscription_id']}",
        json={"display_name": "new name", "delivery_url": "https://127.0.0.1/hook"},
        headers=dispatcher.admin(),
    )
    assert response.status_code == 400
    assert [e["event_type"] for e in await journal(dispatcher, created["subscription_id"])] == [
        "webhook.subscription_created"
    ]


async def test_purge_is_journalled_with_its_tombstone(dispatcher: Dispatcher) -> None:
    created = await dispatcher.subscribe("https://93.184.215.14/purged")
    purged = await dispatcher.call("DELETE", f"/api/admin/webhooks/{created['subscription_id']}?purge=true")
    (_, deleted) = await journal(dispatcher, created["subscription_id"])
    assert deleted["data"] == {
        "subscription_id": created["subscription_id"],
        "purged": True,
        "tombstone_id": purged["tombstone_id"],
        "cascaded_deliveries": 0,
    }


async def test_a_ceiling_above_the_operators_hard_cap_is_refused(dispatcher: Dispatcher) -> None:
    hard_cap = dispatcher.settings.dispatcher_max_dlq_hard_cap
    created = await dispatcher.subscribe("https://93.184.215.14/cap")
    response = await dispatcher.api.patch(
        f"/api/admin/webhooks/{created['subscription_id']}",
        json={"dlq_ceiling": hard_cap + 1},
        headers=dispatcher.admin(),
    )
    assert response.status_code == 400, response.text
    assert (response.json()["code"], response.json()["hard_cap"]) == ("dlq_ceiling_above_hard_cap", hard_cap)
    assert len(await journal(dispatcher, created["subscription_id"])) == 1
