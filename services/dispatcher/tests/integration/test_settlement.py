"""Batched settlement on the real database: outcomes that arrive together commit together, judged in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest

from canonical import testing
from canonical.events.registry import default_registry
from canonical.eventstore.store import EventWriter
from dispatcher.adapters.delivery_store import Closing, claim_due
from dispatcher.domain.attempts import AttemptOutcome, DeliveryStatus, ErrorKind, NextAttempt, Settlement
from dispatcher.domain.endpoint_health import BreakerPolicy
from dispatcher.service_layer.journal import SubscriptionJournal
from dispatcher.service_layer.settlement import Outcome, Settler

from .test_delivery_store import queue, subscription

pytestmark = pytest.mark.integration

FAILED = AttemptOutcome(ErrorKind.SERVER_ERROR, 503, 20)
RETRY = Settlement(DeliveryStatus.FAILED, NextAttempt(2, timedelta(minutes=5)))


@pytest.fixture
async def pool(database: testing.TestDatabase) -> AsyncIterator[asyncpg.Pool]:
    async with testing.wiped_pool(database) as pool:
        yield pool


def settler(pool: asyncpg.Pool, threshold: int) -> Settler:
    journal = SubscriptionJournal(EventWriter(default_registry(), "test."), default_registry())
    return Settler(pool, BreakerPolicy(failure_threshold=threshold), journal)


async def test_outcomes_settled_together_are_one_transaction_and_count_in_order(pool: asyncpg.Pool) -> None:
    first, second = await subscription(pool), await subscription(pool)
    await queue(pool, first, count=3)
    await queue(pool, second, count=1)
    claimed = await claim_due(pool, 10, half_open_after=10)

    outcomes = {
        a.delivery_id: (AttemptOutcome(None, 204, 5), Settlement(DeliveryStatus.SUCCEEDED))
        if a.subscription_id == second
        else (FAILED, RETRY)
        for a in claimed
    }
    settle = settler(pool, threshold=3)
    await asyncio.gather(
        *(settle.settle(Outcome(a.subscription_id, Closing(a.delivery_id, *outcomes[a.delivery_id]))) for a in claimed)
    )

    statuses = await pool.fetch(
        "SELECT subscription_id, status, attempt_number FROM webhook_deliveries ORDER BY delivery_id"
    )
    by_status = [(r["subscription_id"], r["status"], r["attempt_number"]) for r in statuses]
    assert sorted(by_status, key=str) == sorted(
        [(first, "failed", 1)] * 3 + [(second, "succeeded", 1)] + [(first, "pending", 2)] * 3, key=str
    )
    health = await pool.fetchrow(
        "SELECT consecutive_failures, failing_since, breaker_open_until FROM webhook_subscriptions"
        " WHERE subscription_id = $1",
        first,
    )
    assert health is not None
    # Three failures judged one after another: the third reaches the threshold and opens the breaker.
    assert health["consecutive_failures"] == 3
    assert health["breaker_open_until"] is not None
    healthy = await pool.fetchval(
        "SELECT consecutive_failures FROM webhook_subscriptions WHERE subscription_id = $1", second
    )
    assert healthy == 0
    # One transaction wrote every closed attempt and every retry: they share the writing transaction id.
    writers = await pool.fetchval("SELECT count(DISTINCT xmin::text) FROM webhook_deliveries")
    assert writers == 1


async def test_a_failed_transaction_leaves_every_attempt_of_the_batch_in_flight(pool: asyncpg.Pool) -> None:
    subscription_id = await subscription(pool)
    await queue(pool, subscription_id, count=2)
    claimed = await claim_due(pool, 10, half_open_after=10)
    broken = Settlement(DeliveryStatus.FAILED, NextAttempt(99, timedelta(0)))  # attempt_number fails its CHECK

    settle = settler(pool, threshold=5)
    results = await asyncio.gather(
        *(settle.settle(Outcome(subscription_id, Closing(a.delivery_id, FAILED, broken))) for a in claimed),
        return_exceptions=True,
    )

    assert all(isinstance(r, asyncpg.CheckViolationError) for r in results)
    assert {r["status"] for r in await pool.fetch("SELECT status FROM webhook_deliveries")} == {"in_flight"}
