"""Through the real broker and database: abort-message, the breaker, the DLQ ceiling, replays, order, profiles."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from canonical import testing
from canonical.testing import IdentityKeys, eventually, publish

from .support import (
    Dispatcher,
    ReceivedDelivery,
    Receiver,
    attempts_settled_as,
    database_connection,
    running_dispatcher,
    signature_is_valid,
    warehouse_created,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def dispatcher(database: testing.TestDatabase, identity_keys: IdentityKeys) -> AsyncIterator[Dispatcher]:
    # A short schedule (3 attempts, 1 s apart) and a breaker that opens after 2 failures, for a few seconds.
    async with running_dispatcher(
        database,
        identity_keys,
        allow_internal=True,
        dispatcher_retry_schedule_s=(1, 1),
        dispatcher_breaker_failure_threshold=2,
        dispatcher_breaker_cooldown_s=3,
    ) as dispatcher:
        yield dispatcher


async def received(inbox: Receiver, event_id: str, path: str) -> list[ReceivedDelivery]:
    return inbox.for_event(event_id, path)


async def test_abort_message_stops_retries_at_once(dispatcher: Dispatcher, receiver: tuple[Receiver, str]) -> None:
    inbox, base_url = receiver
    inbox.status_by_path["/abort"] = 410
    inbox.abort_paths.add("/abort")
    subscription = await dispatcher.subscribe(f"{base_url}/abort")
    event = warehouse_created(11)

    await publish(dispatcher.topic, event.to_json())

    (attempt,) = await eventually(
        lambda: attempts_settled_as(dispatcher, subscription["subscription_id"], {"aborted"}), timeout_s=30
    )
    assert (attempt["http_status"], attempt["error_kind"]) == (410, "aborted")
    detail = await dispatcher.call("GET", f"/api/admin/webhooks/{subscription['subscription_id']}")
    assert (detail["status"], detail["consecutive_failures"]) == ("active", 0)  # an abort is a live receiver


async def test_failures_exhaust_the_schedule_into_the_dlq_and_open_the_breaker(
    dispatcher: Dispatcher, receiver: tuple[Receiver, str]
) -> None:
    inbox, base_url = receiver
    inbox.status_by_path["/dead"] = 503
    subscription = await dispatcher.subscribe(f"{base_url}/dead")
    event = warehouse_created(12)

    await publish(dispatcher.topic, event.to_json())

    attempts = await eventually(
        lambda: attempts_settled_as(dispatcher, subscription["subscription_id"], {"failed", "dlq"}, count=3),
        timeout_s=40,
    )
    assert [(a["attempt_number"], a["status"]) for a in attempts] == [(3, "dlq"), (2, "failed"), (1, "failed")]
    assert len({d.headers["webhook-id"] for d in inbox.for_event(event.id, "/dead")}) == 1  # stable across retries
    detail = await dispatcher.call("GET", f"/api/admin/webhooks/{subscription['subscription_id']}")
    assert detail["consecutive_failures"] == 3
    assert detail["breaker_open_until"] is not None
    dlq = await dispatcher.call("GET", f"/api/admin/webhooks/{subscription['subscription_id']}/dlq")
    assert [row["event_id"] for row in dlq["deliveries"]] == [event.id]

    # The receiver recovers; a replay of the DLQ row goes out as a new run with the same webhook-id.
    inbox.status_by_path["/dead"] = 204
    await dispatcher.call(
        "POST",
        f"/api/admin/webhooks/{subscription['subscription_id']}/replay/{dlq['deliveries'][0]['delivery_id']}",
        expect=201,
    )
    replayed = await eventually(
        lambda: attempts_settled_as(
            dispatcher, subscription["subscription_id"], {"failed", "dlq", "succeeded"}, count=4
        ),
        timeout_s=30,
    )
    assert (replayed[0]["status"], replayed[0]["run"], replayed[0]["attempt_number"]) == ("succeeded", 1, 1)
    last = inbox.for_event(event.id, "/dead")[-1]
    assert signature_is_valid(subscription["secret"], last)


async def test_a_dead_endpoint_does_not_hold_up_another(dispatcher: Dispatcher, receiver: tuple[Receiver, str]) -> None:
    inbox, base_url = receiver
    inbox.status_by_path["/stuck"] = 500
    await dispatcher.subscribe(f"{base_url}/stuck")
    healthy = await dispatcher.subscribe(f"{base_url}/healthy")
    events = [warehouse_created(100 + n) for n in range(10)]

    await publish(dispatcher.topic, *(e.to_json() for e in events))

    await eventually(
        lambda: attempts_settled_as(dispatcher, healthy["subscription_id"], {"succeeded"}, count=10),
        timeout_s=30,
    )


async def test_one_aggregate_is_delivered_in_order_through_retries(
    dispatcher: Dispatcher, receiver: tuple[Receiver, str]
) -> None:
    inbox, base_url = receiver
    subscription = await dispatcher.subscribe(f"{base_url}/ordered")
    first, second = warehouse_created(201, "warehouse-201"), warehouse_created(202, "warehouse-201")
    inbox.status_by_path["/ordered"] = 500  # the first fails once, the second must wait for it

    await publish(dispatcher.topic, first.to_json(), second.to_json())
    await eventually(lambda: received(inbox, first.id, "/ordered"), timeout_s=30)
    inbox.status_by_path["/ordered"] = 204

    await eventually(
        lambda: attempts_settled_as(dispatcher, subscription["subscription_id"], {"succeeded", "failed"}, count=3),
        timeout_s=30,
    )
    order = [d.headers["webhook-id"] for d in inbox.deliveries if d.path == "/ordered"]
    assert order == [first.id, first.id, second.id]


async def test_the_sentry_profile_sends_the_v17_envelope_signed_v17_style(
    dispatcher: Dispatcher, receiver: tuple[Receiver, str]
) -> None:
    inbox, base_url = receiver
    subscription = await dispatcher.subscribe(
        f"{base_url}/legacy", signature_profile="sentry_v1", subscription_filter={"warehouse_ids": [301]}
    )
    ignored, event = warehouse_created(300), warehouse_created(301)

    await publish(dispatcher.topic, ignored.to_json(), event.to_json())

    (delivery,) = await eventually(lambda: received_any(inbox, "/legacy"), timeout_s=30)
    body = json.loads(delivery.body)
    assert delivery.body == json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    assert (body["event_type"], body["warehouse_id"], body["aggregate_type"]) == ("warehouse.created", 301, "warehouse")
    assert body["event_id"] >= 1
    assert body["data"] == event.data
    timestamp = delivery.headers["x-sentry-timestamp"]
    expected = hmac.new(subscription["secret"].encode(), f"{timestamp}.".encode() + delivery.body, hashlib.sha256)
    assert hmac.compare_digest(delivery.headers["x-sentry-signature"], f"sha256={expected.hexdigest()}")
    assert delivery.headers["x-sentry-delivery-id"] == f"{body['event_id']}:{timestamp}"
    assert "webhook-signature" not in delivery.headers


async def received_any(inbox: Receiver, path: str) -> list[ReceivedDelivery]:
    return [d for d in inbox.deliveries if d.path == path]


async def test_a_full_dlq_pauses_the_subscription(dispatcher: Dispatcher, receiver: tuple[Receiver, str]) -> None:
    inbox, base_url = receiver
    inbox.status_by_path["/full"] = 500
    subscription = await dispatcher.subscribe(f"{base_url}/full", dlq_ceiling=10)
    async with database_connection(dispatcher) as connection:  # nine earlier dead letters
        await connection.execute(
            "INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, attempt_number, status, payload)"
            " SELECT $1, gen_random_uuid(), 'warehouse.created', 3, 'dlq', '{}' FROM generate_series(1, 9)",
            uuid.UUID(subscription["subscription_id"]),
        )

    await publish(dispatcher.topic, warehouse_created(401).to_json())

    async def paused() -> dict[str, Any] | None:
        detail = await dispatcher.call("GET", f"/api/admin/webhooks/{subscription['subscription_id']}")
        return detail if detail["status"] == "paused" else None

    detail = await eventually(paused, timeout_s=40)
    assert detail["pause_reason"] == "dlq_ceiling"


async def test_an_endpoint_failing_for_days_is_disabled_with_an_event(
    dispatcher: Dispatcher, receiver: tuple[Receiver, str]
) -> None:
    inbox, base_url = receiver
    inbox.status_by_path["/abandoned"] = 500
    subscription = await dispatcher.subscribe(f"{base_url}/abandoned")
    subscription_id = uuid.UUID(subscription["subscription_id"])
    async with database_connection(dispatcher) as connection:
        await connection.execute(
            "UPDATE webhook_subscriptions SET failing_since = now() - interval '6 days', consecutive_failures = 1"
            " WHERE subscription_id = $1",
            subscription_id,
        )

    await publish(dispatcher.topic, warehouse_created(402).to_json())

    async def disabled() -> dict[str, Any] | None:
        detail = await dispatcher.call("GET", f"/api/admin/webhooks/{subscription_id}")
        return detail if detail["status"] == "paused" else None

    assert (await eventually(disabled, timeout_s=30))["pause_reason"] == "auto_disabled"
    async with database_connection(dispatcher) as connection:
        data = await connection.fetchval(
            "SELECT data FROM event_store WHERE event_type = 'webhook.subscription_disabled' AND stream_id = $1",
            f"webhook_subscription-{subscription_id}",
        )
    assert data["subscription_id"] == str(subscription_id)
    assert data["reason"] == "auto_disabled"
