"""One delivery attempt, end to end: vet the destination, sign, POST, settle, update the endpoint's health."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid
from dataclasses import dataclass

import asyncpg

from canonical.workers import INFRASTRUCTURE_ERRORS
from dispatcher.adapters.delivery_store import ClaimedAttempt, Closing
from dispatcher.adapters.secret_box import SecretBox
from dispatcher.adapters.ssrf import DestinationGuard
from dispatcher.adapters.subscription_store import SendMaterial, load_send_material
from dispatcher.adapters.webhook_sender import WebhookSender
from dispatcher.domain.attempts import MAX_JITTER, AttemptOutcome, ErrorKind, RetrySchedule, settle
from dispatcher.domain.destinations import (
    HttpsRequired,
    InvalidDeliveryUrl,
    PrivateDestination,
    UnresolvableDestination,
)
from dispatcher.domain.endpoint_health import BreakerPolicy
from dispatcher.domain.rate_limit import TokenBucket
from dispatcher.domain.sentry_signing import sentry_headers
from dispatcher.domain.signing import WebhookSecret, webhook_headers
from dispatcher.domain.subscriptions import SignatureProfile
from dispatcher.service_layer.journal import SubscriptionJournal
from dispatcher.service_layer.settlement import Outcome, Settler

log = logging.getLogger(__name__)


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
        journal: SubscriptionJournal,
    ) -> None:
        self._pool = pool
        self._guard = guard
        self._secret_box = secret_box
        self._sender = sender
        self._policy = policy
        self._settler = Settler(pool, policy.breaker, journal)
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
        await self._settler.settle(Outcome(attempt.subscription_id, Closing(attempt.delivery_id, outcome, settlement)))

    async def _attempt(self, attempt: ClaimedAttempt) -> AttemptOutcome:
        if attempt.material is None:
            material = await load_send_material(self._pool, attempt.subscription_id)
        else:
            material = attempt.material.checked(attempt.subscription_id)
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
