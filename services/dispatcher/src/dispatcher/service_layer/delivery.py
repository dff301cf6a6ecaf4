"""One delivery attempt, end to end: vet the destination, sign, POST, settle, update the endpoint's health."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from canonical.db import Connection
from canonical.events.factory import CommandContext, new_event
from canonical.events.registry import EventRegistry
from canonical.eventstore.store import EventWriter, stream_version
from canonical.workers import INFRASTRUCTURE_ERRORS
from dispatcher.adapters.delivery_store import ClaimedAttempt, count_dlq, record_settlement
from dispatcher.adapters.secret_box import SecretBox
from dispatcher.adapters.ssrf import DestinationGuard
from dispatcher.adapters.subscription_store import SendMaterial, load_send_material, lock_health, pause, store_health
from dispatcher.adapters.webhook_sender import WebhookSender
from dispatcher.domain.attempts import MAX_JITTER, AttemptOutcome, DeliveryStatus, ErrorKind, RetrySchedule, settle
from dispatcher.domain.destinations import (
    HttpsRequired,
    InvalidDeliveryUrl,
    PrivateDestination,
    UnresolvableDestination,
)
from dispatcher.domain.endpoint_health import BreakerPolicy, EndpointHealth, after_attempt
from dispatcher.domain.rate_limit import TokenBucket
from dispatcher.domain.sentry_signing import sentry_headers
from dispatcher.domain.signing import WebhookSecret, webhook_headers
from dispatcher.domain.subscriptions import PauseReason, SignatureProfile

log = logging.getLogger(__name__)

DISABLED_EVENT = "webhook.subscription_disabled"
SYSTEM_ACTOR = "system:dispatcher"


def _jitter() -> float:
    # From the OS CSPRNG, as v1.7 does (V-316): receivers cannot predict the retry instants.
    return (secrets.randbelow(2_000_001) / 1_000_000 - 1) * MAX_JITTER


def signed_request(
    profile: SignatureProfile, live_secrets: list[WebhookSecret], attempt: ClaimedAttempt, timestamp: int
) -> dict[str, str]:
    """The headers that sign `attempt.payload` (the body sent, unchanged) under the subscription's profile."""
    if profile is SignatureProfile.SENTRY_V1:
        return sentry_headers(
            [secret.reveal() for secret in live_secrets],
            event_id=attempt.event_seq or 0,
            event_type=attempt.event_type,
            timestamp=timestamp,
            body=attempt.payload,
        )
    # webhook-id is the event id on every attempt and replay: it is what receivers deduplicate on.
    return webhook_headers(live_secrets, attempt.event_id, timestamp, attempt.payload)


@dataclass(frozen=True)
class DeliveryPolicy:
    schedule: RetrySchedule
    breaker: BreakerPolicy


class Deliverer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        guard: DestinationGuard,
        secret_box: SecretBox,
        sender: WebhookSender,
        policy: DeliveryPolicy,
        *,
        writer: EventWriter,
        registry: EventRegistry,
    ) -> None:
        self._pool = pool
        self._guard = guard
        self._secret_box = secret_box
        self._sender = sender
        self._policy = policy
        self._writer = writer
        self._registry = registry
        self._buckets: dict[uuid.UUID, TokenBucket] = {}

    async def deliver(self, attempt: ClaimedAttempt) -> None:
        """Send a claimed attempt and record its outcome.

        Database or network failures of our own propagate: the attempt stays
        `in_flight` and is reclaimed later. Anything else that stops the attempt
        (a secret that will not decrypt, say) counts as a failed attempt, so a
        broken row runs out of attempts instead of being retried forever.
        """
        try:
            outcome = await self._attempt(attempt)
        except INFRASTRUCTURE_ERRORS:
            raise
        except Exception:
            log.exception("delivery %d could not be attempted", attempt.delivery_id)
            outcome = AttemptOutcome(ErrorKind.UNKNOWN)
        settlement = settle(attempt.attempt_number, outcome, _jitter(), self._policy.schedule)
        async with self._pool.acquire() as connection, connection.transaction():
            # The subscription row first: inserting the next attempt takes a key-share lock on it (the
            # foreign key), so two settlements that locked it second would deadlock on each other.
            subscription_status, health = await lock_health(connection, attempt.subscription_id)
            closed = await record_settlement(connection, attempt.delivery_id, outcome, settlement)
            if closed is None:
                log.warning("delivery %d was reclaimed before its outcome was recorded", attempt.delivery_id)
                return
            await self._judge_endpoint(
                connection, attempt.subscription_id, subscription_status, health, outcome, settlement.status
            )

    async def _attempt(self, attempt: ClaimedAttempt) -> AttemptOutcome:
        material = await load_send_material(self._pool, attempt.subscription_id)
        await self._wait_for_rate_limit(attempt.subscription_id, material)
        try:
            destination = await self._guard.pin(material.delivery_url)
        except (InvalidDeliveryUrl, PrivateDestination, HttpsRequired) as refusal:
            log.warning("delivery %d refused by the SSRF guard: %s", attempt.delivery_id, refusal.message)
            return AttemptOutcome(ErrorKind.SSRF_REJECTED)
        except UnresolvableDestination:
            return AttemptOutcome(ErrorKind.DNS)
        # Secrets are decrypted for this signature only; a rotation applies to the very next send.
        live_secrets = [self._secret_box.open(ciphertext) for ciphertext in material.secret_ciphertexts]
        headers = signed_request(SignatureProfile(material.signature_profile), live_secrets, attempt, int(time.time()))
        return await self._sender.post(destination, headers, attempt.payload)

    async def _wait_for_rate_limit(self, subscription_id: uuid.UUID, material: SendMaterial) -> None:
        now = time.monotonic()
        bucket = self._buckets.get(subscription_id)
        if bucket is None:
            bucket = self._buckets[subscription_id] = TokenBucket(material.rate_limit_per_second, now)
        elif bucket.rate_per_s != material.rate_limit_per_second:
            bucket.reconfigure(material.rate_limit_per_second)
        wait_s = bucket.reserve(now)
        if wait_s > 0:
            await asyncio.sleep(wait_s)

    async def _judge_endpoint(
        self,
        connection: Connection,
        subscription_id: uuid.UUID,
        subscription_status: str,
        health: EndpointHealth,
        outcome: AttemptOutcome,
        status: DeliveryStatus,
    ) -> None:
        """Breaker and auto-disable from this outcome; the DLQ ceiling when it ended in the DLQ."""
        # An abort is the receiver answering on purpose: the endpoint is alive.
        alive = outcome.delivered or outcome.error_kind is ErrorKind.ABORTED
        verdict = after_attempt(health, delivered=alive, now=datetime.now(UTC), policy=self._policy.breaker)
        if verdict.health != health:  # a healthy endpoint's success changes nothing: no write
            await store_health(connection, subscription_id, verdict.health)
        if subscription_status != "active":
            return
        if verdict.disable and await pause(connection, subscription_id, PauseReason.AUTO_DISABLED.value):
            log.warning(
                "webhook subscription %s disabled: no delivery accepted since %s",
                subscription_id,
                verdict.health.failing_since,
            )
            await self._announce_disabled(
                connection, subscription_id, verdict.health.failing_since, verdict.health.consecutive_failures
            )
            return
        if status is DeliveryStatus.DLQ:
            ceiling = await connection.fetchval(
                "SELECT dlq_ceiling FROM webhook_subscriptions WHERE subscription_id = $1", subscription_id
            )
            if await count_dlq(connection, subscription_id) >= ceiling:
                await pause(connection, subscription_id, PauseReason.DLQ_CEILING.value)
                log.warning(
                    "webhook subscription %s paused: its DLQ reached the ceiling of %d", subscription_id, ceiling
                )

    async def _announce_disabled(
        self, connection: Connection, subscription_id: uuid.UUID, failing_since: datetime | None, failures: int
    ) -> None:
        stream_id = f"webhook_subscription-{subscription_id}"
        event = new_event(
            self._registry.latest(DISABLED_EVENT),
            {
                "subscription_id": str(subscription_id),
                "reason": PauseReason.AUTO_DISABLED.value,
                "failing_since": (failing_since or datetime.now(UTC)).isoformat(),
                "consecutive_failures": failures,
            },
            source="/sentry-wms/dispatcher",
            subject=stream_id,
            context=CommandContext(request_id=str(uuid.uuid4()), actor=SYSTEM_ACTOR),
        )
        await self._writer.append(connection, stream_id, await stream_version(connection, stream_id), [event])
