"""Recording attempt outcomes in batches: one transaction for all the outcomes that arrived meanwhile.

A send's outcome waits in a queue; one flush at a time writes everything
queued: lock the subscriptions involved (in id order), close the attempts and
queue their retries (two statements for the whole batch), then judge each
endpoint once from its outcomes in order (breaker, auto-disable, DLQ
ceiling). The sender waits for the commit, so an attempt is never reported
done before its outcome is stored; if the transaction fails every attempt of
the batch stays `in_flight` and is reclaimed when its lease ends, as a single
failed settlement was before. Under load a batch holds many outcomes, so the
round trips per delivery fall as the rate rises.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from canonical.db import Connection
from dispatcher.adapters.delivery_store import Closing, count_dlq, record_settlements
from dispatcher.adapters.subscription_store import lock_health, pause, store_health
from dispatcher.domain.attempts import AttemptOutcome, DeliveryStatus, ErrorKind
from dispatcher.domain.endpoint_health import BreakerPolicy, EndpointHealth, HealthVerdict, after_attempt
from dispatcher.domain.subscriptions import PauseReason
from dispatcher.service_layer.journal import SubscriptionJournal, system_context

log = logging.getLogger(__name__)

MAX_BATCH = 256  # outcomes per transaction: bounds the statement sizes and the time row locks are held


@dataclass(frozen=True)
class Outcome:
    """An attempt's outcome as the settler needs it."""

    subscription_id: uuid.UUID
    closing: Closing


class Settler:
    def __init__(self, pool: asyncpg.Pool, policy: BreakerPolicy, journal: SubscriptionJournal) -> None:
        self._pool = pool
        self._policy = policy
        self._journal = journal
        self._queue: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def settle(self, outcome: Outcome) -> None:
        """Record the outcome; returns once it is committed, raises what the transaction raised."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((outcome, done))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush(), name="webhook-settlements")
        await done

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                await self._record([outcome for outcome, _ in batch])
            except asyncio.CancelledError:
                for _, done in batch:
                    done.cancel()
                raise
            except Exception as error:  # the senders decide what it means (see delivery_worker._send)
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _record(self, outcomes: list[Outcome]) -> None:
        async with self._pool.acquire() as connection, connection.transaction():
            # The subscription rows first: the retries' inserts take a key-share lock on them (the foreign
            # key), so a settlement that locked them second could deadlock with another.
            health = await lock_health(connection, [o.subscription_id for o in outcomes])
            closed = await record_settlements(connection, [o.closing for o in outcomes])
            by_subscription: dict[uuid.UUID, list[Closing]] = {}
            for outcome in outcomes:
                if outcome.closing.delivery_id not in closed:
                    log.warning(
                        "delivery %d was reclaimed before its outcome was recorded", outcome.closing.delivery_id
                    )
                    continue
                by_subscription.setdefault(outcome.subscription_id, []).append(outcome.closing)
            for subscription_id, closings in by_subscription.items():
                status, before = health[subscription_id]
                await self._judge_endpoint(connection, subscription_id, status, before, closings)

    async def _judge_endpoint(
        self,
        connection: Connection,
        subscription_id: uuid.UUID,
        subscription_status: str,
        health: EndpointHealth,
        closings: list[Closing],
    ) -> None:
        """Breaker and auto-disable from these outcomes in order; the DLQ ceiling when one ended in the DLQ."""
        now = datetime.now(UTC)
        verdict = HealthVerdict(health, disable=False)
        for closing in closings:
            verdict = after_attempt(verdict.health, delivered=_alive(closing.outcome), now=now, policy=self._policy)
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
            disabled = {
                "reason": PauseReason.AUTO_DISABLED.value,
                "failing_since": (verdict.health.failing_since or now).isoformat(),
                "consecutive_failures": verdict.health.consecutive_failures,
            }
            await self._journal.record(
                connection, subscription_id, [("webhook.subscription_disabled", disabled)], system_context()
            )
            return
        if any(c.settlement.status is DeliveryStatus.DLQ for c in closings):
            ceiling = await connection.fetchval(
                "SELECT dlq_ceiling FROM webhook_subscriptions WHERE subscription_id = $1", subscription_id
            )
            dlq = await count_dlq(connection, subscription_id)
            if dlq >= ceiling and await pause(connection, subscription_id, PauseReason.DLQ_CEILING.value):
                paused = {"reason": PauseReason.DLQ_CEILING.value, "count": dlq, "ceiling": ceiling}
                await self._journal.record(
                    connection, subscription_id, [("webhook.subscription_paused", paused)], system_context()
                )
                log.warning(
                    "webhook subscription %s paused: its DLQ reached the ceiling of %d", subscription_id, ceiling
                )


def _alive(outcome: AttemptOutcome) -> bool:
    # An abort is the receiver answering on purpose: the endpoint is alive.
    return outcome.delivered or outcome.error_kind is ErrorKind.ABORTED
