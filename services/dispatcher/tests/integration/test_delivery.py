"""End to end through the real broker and database: event in, signed webhook out, retries on failure."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from canonical import testing
from canonical.testing import IdentityKeys, eventually, publish

from .support import (
    Dispatcher,
    ReceivedDelivery,
    Receiver,
    attempts_settled_as,
    running_dispatcher,
    signature_is_valid,
    warehouse_created,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def dispatcher(database: testing.TestDatabase, identity_keys: IdentityKeys) -> AsyncIterator[Dispatcher]:
    # The receiver listens on loopback, which only this setting lets through.
    async with running_dispatcher(database, identity_keys, allow_internal=True) as dispatcher:
        yield dispatcher


async def received(inbox: Receiver, event_id: str, path: str) -> list[ReceivedDelivery]:
    return inbox.for_event(event_id, path)


async def test_an_event_reaches_the_subscriber_signed_with_its_secret(
    dispatcher: Dispatcher, receiver: tuple[Receiver, str]
) -> None:
    inbox, base_url = receiver
    subscription = await dispatcher.subscribe(
        f"{base_url}/erp", subscription_filter={"event_types": ["warehouse.created"]}
    )
    event = warehouse_created(1)
    sent_after = time.time()

    await publish(dispatcher.topic, event.to_json())

    (delivery,) = await eventually(lambda: received(inbox, event.id, "/erp"), timeout_s=30)
    assert delivery.headers["content-type"] == "application/json"
    assert delivery.headers["host"] == base_url.removeprefix("http://")
    assert delivery.body == event.to_json()  # the structured CloudEvent, as published
    assert json.loads(delivery.body)["data"] == event.data
    assert sent_after - 1 <= int(delivery.headers["webhook-timestamp"]) <= time.time() + 1
    assert signature_is_valid(subscription["secret"], delivery)
    assert not signature_is_valid("whsec_" + "A" * 43 + "=", delivery)

    (attempt,) = await eventually(
        lambda: attempts_settled_as(dispatcher, subscription["subscription_id"], {"succeeded"})
    )
    assert attempt["event_id"] == event.id
    assert attempt["event_type"] == "warehouse.created"
    assert (attempt["attempt_number"], attempt["http_status"], attempt["error_kind"]) == (1, 204, None)
    assert attempt["response_time_ms"] >= 0


async def test_a_redelivered_kafka_record_is_sent_once(dispatcher: Dispatcher, receiver: tuple[Receiver, str]) -> None:
    inbox, base_url = receiver
    subscription = await dispatcher.subscribe(f"{base_url}/once")
    event, marker = warehouse_created(2), warehouse_created(3)

    # The same record twice (a producer retry, a consumer restart before its commit), then a marker
    # behind them on the same partition: once the marker is settled, the duplicate was consumed too.
    await publish(dispatcher.topic, event.to_json(), event.to_json(), marker.to_json())

    await eventually(lambda: received(inbox, marker.id, "/once"), timeout_s=30)
    attempts = await eventually(
        lambda: attempts_settled_as(dispatcher, subscription["subscription_id"], {"succeeded"}, count=2)
    )
    assert sorted(a["event_id"] for a in attempts) == sorted([event.id, marker.id])
    assert len(inbox.for_event(event.id, "/once")) == 1


async def test_a_failing_receiver_gets_its_next_attempt_scheduled(
    dispatcher: Dispatcher, receiver: tuple[Receiver, str]
) -> None:
    inbox, base_url = receiver
    inbox.status_by_path["/down"] = 500
    subscription = await dispatcher.subscribe(f"{base_url}/down")
    event = warehouse_created(4)

    await publish(dispatcher.topic, event.to_json())

    second, first = await eventually(  # newest first
        lambda: attempts_settled_as(dispatcher, subscription["subscription_id"], {"failed", "pending"}, count=2),
        timeout_s=30,
    )
    assert (first["attempt_number"], first["status"], first["http_status"], first["error_kind"]) == (
        1,
        "failed",
        500,
        "5xx",
    )
    assert (second["attempt_number"], second["status"], second["event_id"]) == (2, "pending", event.id)
    delay = datetime.fromisoformat(second["scheduled_at"]) - datetime.fromisoformat(first["completed_at"])
    assert 4.4 <= delay.total_seconds() <= 5.6  # 5 s ± 10 % jitter
    (failed_delivery,) = inbox.for_event(event.id, "/down")
    assert signature_is_valid(subscription["secret"], failed_delivery)


async def test_redirects_are_not_followed(dispatcher: Dispatcher, receiver: tuple[Receiver, str]) -> None:
    inbox, base_url = receiver
    inbox.status_by_path["/moved"] = 307
    subscription = await dispatcher.subscribe(f"{base_url}/moved")
    event = warehouse_created(6)

    await publish(dispatcher.topic, event.to_json())

    _, first = await eventually(
        lambda: attempts_settled_as(dispatcher, subscription["subscription_id"], {"failed", "pending"}, count=2),
        timeout_s=30,
    )
    assert (first["status"], first["http_status"], first["error_kind"]) == ("failed", 307, "redirected")
    # Every subscription of this module shares the receiver: look at this one's paths only.
    assert [d.path for d in inbox.for_event(event.id) if d.path.startswith("/moved")] == ["/moved"]
