"""Subscription admin over HTTP: change, pause/resume, rotate, test send, replay in batch, delete and purge."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from canonical import testing
from canonical.testing import IdentityKeys, eventually, publish

from .support import (
    Dispatcher,
    Receiver,
    attempts_settled_as,
    running_dispatcher,
    signature_is_valid,
    warehouse_created,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def dispatcher(database: testing.TestDatabase, identity_keys: IdentityKeys) -> AsyncIterator[Dispatcher]:
    async with running_dispatcher(database, identity_keys, allow_internal=True) as dispatcher:
        yield dispatcher


async def test_patch_writes_only_what_changes_and_validates_like_create(dispatcher: Dispatcher) -> None:
    created = await dispatcher.subscribe("http://127.0.0.1:9/a")
    path = f"/api/admin/webhooks/{created['subscription_id']}"

    unchanged = await dispatcher.call("PATCH", path, json={"display_name": "ERP"})
    assert unchanged["updated_at"] == created["updated_at"]
    changed = await dispatcher.call(
        "PATCH",
        path,
        json={
            "rate_limit_per_second": 5,
            "max_concurrency": 2,
            "subscription_filter": {"event_types": ["warehouse.created"], "warehouse_ids": [3]},
        },
    )
    assert (changed["rate_limit_per_second"], changed["max_concurrency"]) == (5, 2)
    assert changed["subscription_filter"] == {"event_types": ["warehouse.created"], "warehouse_ids": [3]}

    refused = await dispatcher.api.patch(
        path, json={"subscription_filter": {"event_types": ["no.such"]}}, headers=dispatcher.admin()
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "unknown_event_types")
    metadata = await dispatcher.api.patch(
        path, json={"delivery_url": "https://169.254.169.254/"}, headers=dispatcher.admin()
    )
    assert (metadata.status_code, metadata.json()["code"]) == (400, "private_destination")
    revoke = await dispatcher.api.patch(path, json={"status": "revoked"}, headers=dispatcher.admin())
    assert revoke.status_code == 400  # request validation: revoking is DELETE


async def test_paused_subscriptions_collect_and_deliver_on_resume(
    dispatcher: Dispatcher, receiver: tuple[Receiver, str]
) -> None:
    inbox, base_url = receiver
    created = await dispatcher.subscribe(f"{base_url}/paused")
    path = f"/api/admin/webhooks/{created['subscription_id']}"
    paused = await dispatcher.call("POST", f"{path}/pause")
    assert (paused["status"], paused["pause_reason"]) == ("paused", "manual")
    event = warehouse_created(21)

    await publish(dispatcher.topic, event.to_json())
    await eventually(lambda: attempts_settled_as(dispatcher, created["subscription_id"], {"pending"}), timeout_s=30)
    assert not inbox.for_event(event.id, "/paused")

    resumed = await dispatcher.call("POST", f"{path}/resume")
    assert (resumed["status"], resumed["pause_reason"]) == ("active", None)
    await eventually(lambda: attempts_settled_as(dispatcher, created["subscription_id"], {"succeeded"}), timeout_s=30)


async def test_rotation_signs_with_both_secrets_and_the_test_send_reaches_the_receiver(
    dispatcher: Dispatcher, receiver: tuple[Receiver, str]
) -> None:
    inbox, base_url = receiver
    created = await dispatcher.subscribe(f"{base_url}/rotated")
    path = f"/api/admin/webhooks/{created['subscription_id']}"
    rotated = await dispatcher.call("POST", f"{path}/rotate-secret")
    assert rotated["secret"] != created["secret"]

    result = await dispatcher.call("POST", f"{path}/test")

    assert (result["delivered"], result["http_status"]) == (True, 204)
    (delivery,) = [d for d in inbox.deliveries if d.path == "/rotated"]
    assert len(delivery.headers["webhook-signature"].split(" ")) == 2
    assert signature_is_valid(rotated["secret"], delivery)
    assert signature_is_valid(created["secret"], delivery)  # the old secret still verifies for 24 h


async def test_batch_replay_reruns_a_time_range_and_is_throttled(
    dispatcher: Dispatcher, receiver: tuple[Receiver, str]
) -> None:
    inbox, base_url = receiver
    created = await dispatcher.subscribe(f"{base_url}/batch")
    path = f"/api/admin/webhooks/{created['subscription_id']}"
    events = [warehouse_created(30 + n) for n in range(3)]
    await publish(dispatcher.topic, *(e.to_json() for e in events))
    await eventually(
        lambda: attempts_settled_as(dispatcher, created["subscription_id"], {"succeeded"}, count=3), timeout_s=30
    )

    body = {"filter": {"status": "succeeded", "completed_at_from": "2000-01-01T00:00:00Z"}}
    replay = await dispatcher.call("POST", f"{path}/replay-batch", json=body, expect=201)
    assert replay["matched"] == 3
    await eventually(
        lambda: attempts_settled_as(dispatcher, created["subscription_id"], {"succeeded"}, count=6), timeout_s=30
    )
    for event in events:
        assert len(inbox.for_event(event.id, "/batch")) == 2  # same webhook-id: receivers dedupe the replay

    again = await dispatcher.api.post(f"{path}/replay-batch", json=body, headers=dispatcher.admin())
    assert (again.status_code, again.json()["code"]) == (429, "replay_batch_throttled")


async def test_soft_delete_revokes_and_purge_leaves_a_tombstone(dispatcher: Dispatcher) -> None:
    url = "http://127.0.0.1:9/gone/"
    created = await dispatcher.subscribe(url)
    path = f"/api/admin/webhooks/{created['subscription_id']}"

    assert (await dispatcher.call("DELETE", path))["status"] == "revoked"
    assert (await dispatcher.call("DELETE", path))["status"] == "revoked"  # idempotent
    refused = await dispatcher.api.patch(path, json={"display_name": "x"}, headers=dispatcher.admin())
    assert (refused.status_code, refused.json()["code"]) == (400, "cannot_modify_revoked_subscription")

    purged = await dispatcher.call("DELETE", f"{path}?purge=true")
    assert purged["status"] == "purged"
    assert (await dispatcher.api.get(path, headers=dispatcher.admin())).status_code == 404

    reuse = await dispatcher.api.post(
        "/api/admin/webhooks",
        json={"display_name": "again", "delivery_url": "HTTP://127.0.0.1:9/gone"},
        headers=dispatcher.admin(),
    )
    assert (reuse.status_code, reuse.json()["code"]) == (409, "url_reuse_tombstone")
    assert reuse.json()["tombstone_id"] == purged["tombstone_id"]
    await dispatcher.subscribe(url, acknowledge_url_reuse=True)
