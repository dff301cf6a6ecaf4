"""One delivery attempt, end to end: vet the destination, sign, POST, settle."""

from __future__ import annotations

import logging
import random
import time

import asyncpg

from canonical.workers import INFRASTRUCTURE_ERRORS
from dispatcher.adapters.delivery_store import ClaimedAttempt, load_send_material, record_settlement
from dispatcher.adapters.secret_box import SecretBox
from dispatcher.adapters.ssrf import DestinationGuard
from dispatcher.adapters.webhook_sender import WebhookSender
from dispatcher.domain.attempts import MAX_JITTER, AttemptOutcome, ErrorKind, settle
from dispatcher.domain.destinations import InvalidDeliveryUrl, PrivateDestination, UnresolvableDestination
from dispatcher.domain.signing import webhook_headers

log = logging.getLogger(__name__)


class Deliverer:
    def __init__(
        self, pool: asyncpg.Pool, guard: DestinationGuard, secret_box: SecretBox, sender: WebhookSender
    ) -> None:
        self._pool = pool
        self._guard = guard
        self._secret_box = secret_box
        self._sender = sender

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
        settlement = settle(attempt.attempt_number, outcome, random.uniform(-MAX_JITTER, MAX_JITTER))
        if not await record_settlement(self._pool, attempt.delivery_id, outcome, settlement):
            log.warning("delivery %d was reclaimed before its outcome was recorded", attempt.delivery_id)

    async def _attempt(self, attempt: ClaimedAttempt) -> AttemptOutcome:
        material = await load_send_material(self._pool, attempt.subscription_id)
        try:
            destination = await self._guard.pin(material.delivery_url)
        except (InvalidDeliveryUrl, PrivateDestination) as refusal:
            log.warning("delivery %d refused by the SSRF guard: %s", attempt.delivery_id, refusal.message)
            return AttemptOutcome(ErrorKind.SSRF_REJECTED)
        except UnresolvableDestination:
            return AttemptOutcome(ErrorKind.DNS)
        # Secrets are decrypted for this signature only; a rotation applies to the very next send.
        live_secrets = [self._secret_box.open(ciphertext) for ciphertext in material.secret_ciphertexts]
        # webhook-id is the event id on every attempt: it is what receivers deduplicate on.
        headers = webhook_headers(live_secrets, attempt.event_id, int(time.time()), attempt.payload)
        return await self._sender.post(destination, headers, attempt.payload)
