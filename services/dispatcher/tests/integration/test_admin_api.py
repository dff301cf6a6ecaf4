"""Admin API over HTTP, with internal destinations forbidden as in production."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from canonical import testing
from canonical.identity import Identity
from canonical.testing import IdentityKeys, eventually, publish, wipe_tables
from dispatcher.adapters.secret_box import SecretBox
from dispatcher.domain.signing import WebhookSecret

from .support import Dispatcher, Receiver, attempts_settled_as, running_dispatcher, warehouse_created

pytestmark = pytest.mark.integration

# A public address literal: it passes the SSRF guard without DNS, and nothing is ever sent to it
# (these tests publish no event while such a subscription is active).
PUBLIC_URL = "https://93.184.215.14/hooks/sentry"


@pytest.fixture(scope="module")
async def dispatcher(database: testing.TestDatabase, identity_keys: IdentityKeys) -> AsyncIterator[Dispatcher]:
    async with running_dispatcher(database, identity_keys, allow_internal=False) as dispatcher:
        yield dispatcher


async def post_subscription(dispatcher: Dispatcher, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = await dispatcher.api.post("/api/admin/webhooks", json=body, headers=dispatcher.admin())
    payload: dict[str, Any] = response.json()
    return response.status_code, payload


async def test_creation_shows_the_secret_once_and_reads_never_do(dispatcher: Dispatcher) -> None:
    response = await dispatcher.api.post(
        "/api/admin/webhooks",
        json={
            "display_name": "  ERP  ",
            "delivery_url": PUBLIC_URL,
            "subscription_filter": {"event_types": ["warehouse.created"]},
        },
        headers=dispatcher.admin(),
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    created = response.json()
    assert set(created) == {
        "subscription_id",
        "connector_id",
        "display_name",
        "delivery_url",
        "subscription_filter",
        "status",
        "pause_reason",
        "signature_profile",
        "rate_limit_per_second",
        "max_concurrency",
        "dlq_ceiling",
        "pending_ceiling",
        "consecutive_failures",
        "breaker_open_until",
        "secret",
        "secret_generation",
        "created_at",
        "updated_at",
    }
    assert created["display_name"] == "ERP"
    assert created["delivery_url"] == PUBLIC_URL
    assert created["subscription_filter"] == {"event_types": ["warehouse.created"]}
    assert (created["status"], created["secret_generation"]) == ("active", 1)
    assert WebhookSecret.parse(created["secret"]).key  # a well-formed whsec_ secret

    detail = await dispatcher.api.get(f"/api/admin/webhooks/{created['subscription_id']}", headers=dispatcher.admin())
    listing = await dispatcher.api.get("/api/admin/webhooks", headers=dispatcher.admin())
    assert detail.status_code == listing.status_code == 200
    expected = {k: v for k, v in created.items() if k not in {"secret", "secret_generation"}}
    assert detail.json() == expected
    (listed,) = [w for w in listing.json()["webhooks"] if w["subscription_id"] == created["subscription_id"]]
    assert listed == {
        **expected,  # with its last 24 h at a glance
        "attempts_24h": 0,
        "succeeded_24h": 0,
        "failed_24h": 0,
        "dlq_24h": 0,
        "success_rate_24h": None,
        "pending_count": 0,
    }
    secret_text = created["secret"].removeprefix("whsec_")
    assert secret_text not in detail.text
    assert secret_text not in listing.text


async def test_the_secret_is_stored_encrypted(dispatcher: Dispatcher) -> None:
    _, created = await post_subscription(dispatcher, {"display_name": "ERP", "delivery_url": PUBLIC_URL})
    connection = await asyncpg.connect(dispatcher.settings.database_url.get_secret_value())
    try:
        stored = await connection.fetchval(
            "SELECT secret_ciphertext FROM webhook_secrets WHERE subscription_id = $1 AND generation = 1",
            uuid.UUID(created["subscription_id"]),
        )
    finally:
        await connection.close()
    secret = WebhookSecret.parse(created["secret"])
    assert secret.key not in stored
    assert SecretBox(dispatcher.settings.encryption_key()).open(stored).key == secret.key


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost:8080/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://2130706433/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5:5432/",
        "https://100.64.0.1/",
    ],
)
async def test_internal_destinations_are_refused(dispatcher: Dispatcher, url: str) -> None:
    status, body = await post_subscription(dispatcher, {"display_name": "ERP", "delivery_url": url})
    assert (status, body["code"]) == (400, "private_destination")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"display_name": "ERP", "delivery_url": "ftp://example.com/hook"}, "invalid_url"),
        ({"display_name": "ERP", "delivery_url": "https://user:pw@example.com/hook"}, "invalid_url"),
        ({"display_name": "ERP", "delivery_url": "not a url"}, "invalid_url"),
        (
            {"display_name": "ERP", "delivery_url": PUBLIC_URL, "subscription_filter": {"event_types": ["nope"]}},
            "unknown_event_types",
        ),
        ({"display_name": "ERP", "delivery_url": PUBLIC_URL, "secret": "whsec_mine"}, "validation_error"),
        ({"display_name": "ERP", "delivery_url": PUBLIC_URL, "subscription_filter": {"ids": []}}, "validation_error"),
        ({"display_name": "   ", "delivery_url": PUBLIC_URL}, "validation_error"),
        ({"display_name": "x" * 129, "delivery_url": PUBLIC_URL}, "validation_error"),
        ({"delivery_url": PUBLIC_URL}, "validation_error"),
    ],
)
async def test_bad_subscriptions_are_refused_with_a_stable_code(
    dispatcher: Dispatcher, body: dict[str, Any], code: str
) -> None:
    status, answer = await post_subscription(dispatcher, body)
    assert (status, answer["code"]) == (400, code)


async def test_only_admins_coming_through_the_gateway_may_manage_webhooks(dispatcher: Dispatcher) -> None:
    body = {"display_name": "ERP", "delivery_url": PUBLIC_URL}
    anonymous = await dispatcher.api.post("/api/admin/webhooks", json=body)
    clerk = dispatcher.keys.headers(Identity(subject=str(uuid.uuid4()), username="clerk", role="USER"))
    forbidden = await dispatcher.api.post("/api/admin/webhooks", json=body, headers=clerk)
    listing = await dispatcher.api.get("/api/admin/webhooks", headers=clerk)
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthorized")
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "forbidden")
    assert listing.status_code == 403


@pytest.mark.parametrize("suffix", ["", "/deliveries"])
async def test_unknown_and_malformed_subscription_ids(dispatcher: Dispatcher, suffix: str) -> None:
    missing = await dispatcher.api.get(f"/api/admin/webhooks/{uuid.uuid4()}{suffix}", headers=dispatcher.admin())
    malformed = await dispatcher.api.get(f"/api/admin/webhooks/42{suffix}", headers=dispatcher.admin())
    assert (missing.status_code, missing.json()["code"]) == (404, "subscription_not_found")
    assert (malformed.status_code, malformed.json()["code"]) == (400, "invalid_subscription_id")


async def test_delivery_history_pages_are_bounded(dispatcher: Dispatcher) -> None:
    _, created = await post_subscription(dispatcher, {"display_name": "ERP", "delivery_url": PUBLIC_URL})
    path = f"/api/admin/webhooks/{created['subscription_id']}/deliveries"
    empty = await dispatcher.api.get(path, params={"limit": 10, "offset": 5}, headers=dispatcher.admin())
    too_many = await dispatcher.api.get(path, params={"limit": 501}, headers=dispatcher.admin())
    assert empty.json() == {"deliveries": [], "total": 0, "limit": 10, "offset": 5}
    assert (too_many.status_code, too_many.json()["code"]) == (400, "validation_error")


async def test_a_url_that_turned_internal_is_refused_at_send_time(
    dispatcher: Dispatcher, database: testing.TestDatabase, receiver: tuple[Receiver, str]
) -> None:
    """The check at creation is advisory (DNS can change later); the check before each POST is the boundary."""
    inbox, base_url = receiver
    await wipe_tables(database.admin_url)  # no subscription to a real internet address may receive this event
    subscription_id = await insert_subscription_bypassing_the_api(dispatcher, f"{base_url}/internal")
    event = warehouse_created(5)

    await publish(dispatcher.topic, event.to_json())

    retry, refused = await eventually(  # newest first
        lambda: attempts_settled_as(dispatcher, subscription_id, {"failed", "pending"}, count=2), timeout_s=30
    )
    assert (refused["attempt_number"], refused["error_kind"], refused["http_status"]) == (1, "ssrf_rejected", None)
    assert (retry["attempt_number"], retry["status"]) == (2, "pending")
    assert inbox.for_event(event.id) == []


async def insert_subscription_bypassing_the_api(dispatcher: Dispatcher, url: str) -> str:
    sealed = SecretBox(dispatcher.settings.encryption_key()).seal(WebhookSecret.generate())
    connection = await asyncpg.connect(dispatcher.settings.database_url.get_secret_value())
    try:
        async with connection.transaction():
            subscription_id = await connection.fetchval(
                "INSERT INTO webhook_subscriptions (display_name, delivery_url) VALUES ('rebound', $1)"
                " RETURNING subscription_id",
                url,
            )
            await connection.execute(
                "INSERT INTO webhook_secrets (subscription_id, generation, secret_ciphertext) VALUES ($1, 1, $2)",
                subscription_id,
                sealed,
            )
    finally:
        await connection.close()
    return str(subscription_id)
