"""The polling API and consumer groups over HTTP, on events consumed from the real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from canonical import testing
from canonical.identity import Identity
from canonical.testing import IdentityKeys, eventually, publish, serving
from dispatcher.entrypoints.app import create_app

from .support import Dispatcher, running_dispatcher, warehouse_created

pytestmark = pytest.mark.integration

ERP_TOKEN = Identity(
    subject="token:erp",
    username="erp",
    role="USER",
    scopes=("event_type:warehouse.created", "warehouse:42"),
    extra={"connector_id": "erp"},
)
UNSCOPED_TOKEN = Identity(subject="token:none", username="none", role="USER")


@pytest.fixture(scope="module")
async def dispatcher(database: testing.TestDatabase, identity_keys: IdentityKeys) -> AsyncIterator[Dispatcher]:
    async with running_dispatcher(database, identity_keys, allow_internal=False) as dispatcher:
        yield dispatcher


@pytest.fixture(scope="module")
async def event_ids(dispatcher: Dispatcher) -> list[int]:
    """Three events (warehouses 41, 42, 43) in the dispatcher's log, by their int64 event_id."""
    await publish(dispatcher.topic, *(warehouse_created(w).to_json() for w in (41, 42, 43)))

    async def logged() -> list[int] | None:
        page = await poll(dispatcher, testing.ADMIN, after=0)
        ids = [e["event_id"] for e in page["events"]]
        return ids if len(ids) == 3 else None

    return await eventually(logged, timeout_s=30)


async def poll(dispatcher: Dispatcher, identity: Identity, *, expect: int = 200, **params: Any) -> dict[str, Any]:
    response = await dispatcher.api.get("/api/v1/events", params=params, headers=dispatcher.keys.headers(identity))
    assert response.status_code == expect, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_cursor_pages_through_the_log_in_order(dispatcher: Dispatcher, event_ids: list[int]) -> None:
    assert event_ids == sorted(event_ids)
    page = await poll(dispatcher, testing.ADMIN, after=event_ids[0], limit=1)
    assert [e["event_id"] for e in page["events"]] == [event_ids[1]]
    assert page["next_cursor"] == event_ids[1]
    envelope = page["events"][0]
    assert set(envelope) == {
        "event_id",
        "event_type",
        "event_version",
        "event_timestamp",
        "aggregate_type",
        "aggregate_id",
        "warehouse_id",
        "source_txn_id",
        "data",
    }
    assert (envelope["warehouse_id"], envelope["aggregate_type"]) == (42, "warehouse")
    empty = await poll(dispatcher, testing.ADMIN, after=event_ids[-1])
    assert empty == {"events": [], "next_cursor": event_ids[-1]}
    conflict = await poll(dispatcher, testing.ADMIN, expect=400, after=0, consumer_group="g")
    assert conflict["code"] == "after_and_consumer_group"


async def test_a_token_reads_only_its_scope_and_asking_beyond_is_refused(
    dispatcher: Dispatcher, event_ids: list[int]
) -> None:
    page = await poll(dispatcher, ERP_TOKEN, after=0)
    assert [e["warehouse_id"] for e in page["events"]] == [42]
    beyond = await poll(dispatcher, ERP_TOKEN, expect=403, warehouse_id=41)
    assert (beyond["code"], beyond["field"]) == ("scope_violation", "warehouse_id")
    other_type = await poll(dispatcher, ERP_TOKEN, expect=403, types="warehouse.created,ship.confirmed")
    assert (other_type["code"], other_type["field"]) == ("scope_violation", "types")
    assert (await poll(dispatcher, UNSCOPED_TOKEN, after=0))["events"] == []

    types = await dispatcher.api.get("/api/v1/events/types", headers=dispatcher.keys.headers(UNSCOPED_TOKEN))
    assert types.json() == {"types": []}
    schema = await dispatcher.api.get(
        "/api/v1/events/schema/warehouse.created/1", headers=dispatcher.keys.headers(ERP_TOKEN)
    )
    assert schema.headers["content-type"].startswith("application/schema+json")
    assert schema.json()["$id"] == "urn:sentry-wms:schema:events:warehouse.created:1"
    missing = await dispatcher.api.get(
        "/api/v1/events/schema/warehouse.created/9", headers=dispatcher.keys.headers(ERP_TOKEN)
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "unknown_event_type_or_version")


async def ack(dispatcher: Dispatcher, identity: Identity, group: str, cursor: int) -> httpx.Response:
    return await dispatcher.api.post(
        "/api/v1/events/ack",
        json={"consumer_group": group, "cursor": cursor},
        headers=dispatcher.keys.headers(identity),
    )


async def test_a_consumer_group_keeps_its_cursor_across_a_restart(dispatcher: Dispatcher, event_ids: list[int]) -> None:
    await dispatcher.call(
        "POST", "/api/admin/connector-registry", json={"connector_id": "erp", "display_name": "ERP"}, expect=201
    )
    # The registry's and the group's own events reach the log too (dispatch topic): the filter leaves them out.
    group = {
        "consumer_group_id": "erp-main",
        "connector_id": "erp",
        "subscription": {"event_types": ["warehouse.created"]},
    }
    await dispatcher.call("POST", "/api/admin/consumer-groups", json=group, expect=201)
    first = await poll(dispatcher, testing.ADMIN, consumer_group="erp-main")
    assert [e["event_id"] for e in first["events"]] == event_ids

    refused = await ack(dispatcher, ERP_TOKEN, "erp-main", event_ids[0])  # warehouse 41 is outside its scope
    assert (refused.status_code, refused.json()["code"]) == (403, "ack_scope_violation")
    beyond = await ack(dispatcher, testing.ADMIN, "erp-main", event_ids[-1] + 10)
    assert (beyond.status_code, beyond.json()["code"]) == (400, "cursor_beyond_horizon")
    acked = await ack(dispatcher, testing.ADMIN, "erp-main", event_ids[1])
    assert acked.json() == {"consumer_group": "erp-main", "last_cursor": event_ids[1]}
    backwards = await ack(dispatcher, testing.ADMIN, "erp-main", 0)
    assert backwards.json()["last_cursor"] == event_ids[1]

    # A fresh dispatcher process on the same database carries on where the group stands.
    async with serving(create_app(dispatcher.settings)) as url, httpx.AsyncClient(base_url=url) as restarted:
        response = await restarted.get(
            "/api/v1/events", params={"consumer_group": "erp-main"}, headers=dispatcher.keys.headers(testing.ADMIN)
        )
    assert [e["event_id"] for e in response.json()["events"]] == [event_ids[2]]


async def test_a_deleted_group_is_recreated_only_with_acknowledgement(dispatcher: Dispatcher) -> None:
    body = {"consumer_group_id": "wms-bi", "subscription": {"warehouse_ids": [43]}}
    await dispatcher.call("POST", "/api/admin/consumer-groups", json=body, expect=201)
    page = await poll(dispatcher, testing.ADMIN, consumer_group="wms-bi")
    assert [e["warehouse_id"] for e in page["events"]] == [43]  # the group's filter is ANDed in
    duplicate = await dispatcher.api.post("/api/admin/consumer-groups", json=body, headers=dispatcher.admin())
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "duplicate_consumer_group_id")

    await dispatcher.call("DELETE", "/api/admin/consumer-groups/wms-bi")
    again = await dispatcher.api.post("/api/admin/consumer-groups", json=body, headers=dispatcher.admin())
    assert (again.status_code, again.json()["code"]) == (409, "replay_would_skip_history")
    recreated = await dispatcher.call(
        "POST", "/api/admin/consumer-groups", json={**body, "acknowledge_replay": True}, expect=201
    )
    assert recreated["last_cursor"] == 0
    gone = await poll(dispatcher, testing.ADMIN, expect=404, consumer_group="nope")
    assert gone["code"] == "consumer_group_not_found"
