"""Replays (one delivery, or every delivery matching a filter and a time range) and the test send."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from canonical.errors import Conflict, DomainError, NotFound
from dispatcher.adapters.delivery_store import (
    ClaimedAttempt,
    count_unfinished,
    delivery_subscription,
    replay_matches,
    replay_one,
)
from dispatcher.adapters.secret_box import SecretBox
from dispatcher.adapters.ssrf import DestinationGuard
from dispatcher.adapters.subscription_store import load_send_material, lock_subscription
from dispatcher.adapters.webhook_sender import WebhookSender
from dispatcher.domain.attempts import AttemptOutcome
from dispatcher.domain.envelope import serialise
from dispatcher.domain.subscriptions import SignatureProfile, SubscriptionNotFound, SubscriptionStatus
from dispatcher.service_layer.delivery import signed_request

REPLAY_BATCH_COOLDOWN_S = 60  # per subscription (v1.7 #223)
REPLAY_BATCH_GLOBAL_BUDGET = 5  # batch replays across all subscriptions ...
REPLAY_BATCH_GLOBAL_WINDOW_S = 300  # ... per this window


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"

    def __init__(self, delivery_id: int) -> None:
        super().__init__(f"Delivery {delivery_id} does not exist.", legacy_error="Not found")


class DeliverySubscriptionMismatch(DomainError):
    code = "delivery_subscription_mismatch"

    def __init__(self) -> None:
        super().__init__("That delivery belongs to another subscription.", legacy_error=self.code)


class CannotReplayToRevoked(DomainError):
    code = "cannot_replay_to_revoked_subscription"

    def __init__(self) -> None:
        super().__init__("A deleted subscription receives nothing.", legacy_error=self.code)


class ReplayThrottled(DomainError):
    status = 429
    code = "replay_batch_throttled"

    def __init__(self, code: str, seconds: int) -> None:
        super().__init__(
            f"Too many batch replays; try again in {seconds} s.", legacy_error=code, seconds_until_retry=seconds
        )
        self.code = code  # type: ignore[misc]  # two throttles, one shape


class ReplayTooLarge(Conflict):
    code = "batch_size_above_hard_cap"

    def __init__(self, impact: int, hard_cap: int) -> None:
        super().__init__(
            f"{impact} deliveries match, above the hard cap of {hard_cap}; set acknowledge_large_replay.",
            legacy_error="batch_size_above_hard_cap",
            impact_count=impact,
            hard_cap=hard_cap,
        )


class ReplayExceedsPendingCeiling(Conflict):
    code = "replay_would_exceed_pending_ceiling"

    def __init__(self, current_pending: int, impact: int, ceiling: int) -> None:
        super().__init__(
            f"{impact} replays on top of {current_pending} unfinished deliveries exceed the pending ceiling of"
            f" {ceiling}; narrow the filter or raise the ceiling.",
            legacy_error=self.code,
            current_pending=current_pending,
            impact_count=impact,
            pending_ceiling=ceiling,
            gap=current_pending + impact - ceiling,
        )


@dataclass(frozen=True)
class ReplayFilter:
    status: str = "dlq"
    event_type: str | None = None
    completed_at_from: datetime | None = None
    completed_at_to: datetime | None = None

    def criteria(self) -> tuple[object, ...]:
        return (self.status, self.event_type, self.completed_at_from, self.completed_at_to)


async def _writable(connection: Any, subscription_id: uuid.UUID) -> dict[str, Any]:
    subscription = await lock_subscription(connection, subscription_id)
    if subscription is None:
        raise SubscriptionNotFound(subscription_id)
    if subscription["status"] == SubscriptionStatus.REVOKED:
        raise CannotReplayToRevoked()
    return subscription


async def handle_replay_one(pool: asyncpg.Pool, subscription_id: uuid.UUID, delivery_id: int) -> dict[str, Any]:
    """A new run from attempt 1 (same body, same webhook-id, fresh signature), whatever the row's status."""
    async with pool.acquire() as connection, connection.transaction():
        await _writable(connection, subscription_id)
        owner = await delivery_subscription(connection, delivery_id)
        if owner is None:
            raise DeliveryNotFound(delivery_id)
        if owner != subscription_id:
            raise DeliverySubscriptionMismatch()
        new_id = await replay_one(connection, delivery_id)
    return {"delivery_id": new_id, "replay_of": delivery_id}


async def handle_replay_batch(
    pool: asyncpg.Pool,
    subscription_id: uuid.UUID,
    replay: ReplayFilter,
    *,
    acknowledge_large: bool,
    hard_cap: int,
    actor: str,
) -> dict[str, Any]:
    async with pool.acquire() as connection, connection.transaction():
        # The row lock serialises batch replays of one subscription.
        subscription = await _writable(connection, subscription_id)
        last = await connection.fetchval(
            "SELECT extract(epoch FROM now() - max(requested_at)) FROM webhook_replay_batches"
            " WHERE subscription_id = $1",
            subscription_id,
        )
        if last is not None and last < REPLAY_BATCH_COOLDOWN_S:
            raise ReplayThrottled("replay_batch_throttled", int(REPLAY_BATCH_COOLDOWN_S - float(last)) + 1)
        recent = await connection.fetchval(
            "SELECT count(*) FROM webhook_replay_batches WHERE requested_at > now() - make_interval(secs => $1)",
            REPLAY_BATCH_GLOBAL_WINDOW_S,
        )
        if recent >= REPLAY_BATCH_GLOBAL_BUDGET:
            raise ReplayThrottled("replay_batch_global_throttled", REPLAY_BATCH_GLOBAL_WINDOW_S)
        matches = await replay_matches(connection, subscription_id, replay.criteria())
        if len(matches) > hard_cap and not acknowledge_large:
            raise ReplayTooLarge(len(matches), hard_cap)
        current_pending = await count_unfinished(connection, subscription_id)
        if current_pending + len(matches) > subscription["pending_ceiling"]:
            # Not waivable (v1.7 #222): a replay that would pause its own subscription helps no one.
            raise ReplayExceedsPendingCeiling(current_pending, len(matches), subscription["pending_ceiling"])
        for delivery_id in matches:
            await replay_one(connection, delivery_id)
        await connection.execute(
            "INSERT INTO webhook_replay_batches (subscription_id, requested_by, filter, matched)"
            " VALUES ($1, $2, $3, $4)",
            subscription_id,
            actor,
            {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in vars(replay).items()},
            len(matches),
        )
    return {"matched": len(matches), "pending": current_pending + len(matches)}


async def handle_test_send(
    pool: asyncpg.Pool,
    subscription_id: uuid.UUID,
    *,
    guard: DestinationGuard,
    secret_box: SecretBox,
    sender: WebhookSender,
) -> AttemptOutcome:
    """Sign and POST a `webhook.test` message now; nothing is stored or retried."""
    material = await load_send_material(pool, subscription_id)
    test_id = str(uuid.uuid4())
    body = serialise({"event_type": "webhook.test", "id": test_id, "subscription_id": str(subscription_id)})
    attempt = ClaimedAttempt(0, subscription_id, test_id, "webhook.test", 0, 1, body)
    live_secrets = [secret_box.open(c) for c in material.secret_ciphertexts]
    destination = await guard.pin(material.delivery_url)
    headers = signed_request(SignatureProfile(material.signature_profile), live_secrets, attempt, int(time.time()))
    return await sender.post(destination, headers, body)
