"""The delivery store on the real database: exclusive claims, reclaiming orphans, settling attempts."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest

from canonical import testing
from dispatcher.adapters.delivery_store import (
    NOTIFY_CHANNEL,
    Closing,
    NewDelivery,
    claim_due,
    insert_first_attempts,
    reclaim_stale,
    record_settlements,
)
from dispatcher.domain.attempts import (
    DEFAULT_RETRY_SCHEDULE,
    AttemptOutcome,
    DeliveryStatus,
    ErrorKind,
    NextAttempt,
    Settlement,
)

pytestmark = pytest.mark.integration

SERVER_ERROR = AttemptOutcome(ErrorKind.SERVER_ERROR, 503, 20)


@pytest.fixture
async def pool(database: testing.TestDatabase) -> AsyncIterator[asyncpg.Pool]:
    async with testing.wiped_pool(database) as pool:
        yield pool


async def settle_in_transaction(
    pool: asyncpg.Pool, delivery_id: int, outcome: AttemptOutcome, settlement: Settlement
) -> bool:
    async with pool.acquire() as connection, connection.transaction():
        return delivery_id in await record_settlements(connection, [Closing(delivery_id, outcome, settlement)])


async def subscription(pool: asyncpg.Pool, status: str = "active") -> uuid.UUID:
    subscription_id: uuid.UUID = await pool.fetchval(
        "INSERT INTO webhook_subscriptions (display_name, delivery_url, status)"
        " VALUES ('ERP', 'https://example.com/hook', $1) RETURNING subscription_id",
        status,
    )
    return subscription_id


async def queue(pool: asyncpg.Pool, subscription_id: uuid.UUID, count: int = 1) -> list[str]:
    event_ids = [str(uuid.uuid4()) for _ in range(count)]
    async with pool.acquire() as connection, connection.transaction():
        await insert_first_attempts(
            connection,
            [
                NewDelivery(subscription_id, e, "warehouse.created", n, None, f'{{"id":"{e}"}}'.encode())
                for n, e in enumerate(event_ids, start=1)
            ],
        )
    return event_ids


async def attempt_rows(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT * FROM webhook_deliveries ORDER BY event_id, attempt_number")


async def test_concurrent_claims_never_hand_out_the_same_attempt(pool: asyncpg.Pool) -> None:
    for _ in range(10):  # 4 each: every subscription's concurrency limit (4 by default) lets all of them go
        await queue(pool, await subscription(pool), count=4)

    claims = await asyncio.gather(*(claim_due(pool, 15, half_open_after=5) for _ in range(4)))
    # Racing claimers may pick the same candidates and the losers come back short (never with a
    # row another holds); a later claim takes what they left.
    claims.append(await claim_due(pool, 40, half_open_after=5))

    claimed_ids = [attempt.delivery_id for claim in claims for attempt in claim]
    assert len(claimed_ids) == len(set(claimed_ids)) == 40
    assert {r["status"] for r in await attempt_rows(pool)} == {"in_flight"}
    assert all(r["attempted_at"] is not None for r in await attempt_rows(pool))


async def test_only_due_attempts_of_active_subscriptions_are_claimed(pool: asyncpg.Pool) -> None:
    (due,) = await queue(pool, await subscription(pool))
    (later,) = await queue(pool, await subscription(pool))
    await pool.execute(
        "UPDATE webhook_deliveries SET scheduled_at = now() + interval '1 minute' WHERE event_id = $1", later
    )
    await queue(pool, await subscription(pool, "paused"))
    await queue(pool, await subscription(pool, "revoked"))

    claimed = await claim_due(pool, 10, half_open_after=5)

    assert [attempt.event_id for attempt in claimed] == [due]
    assert claimed[0].payload == f'{{"id":"{due}"}}'.encode()
    assert claimed[0].attempt_number == 1


async def test_attempts_left_in_flight_past_their_lease_are_pending_again(pool: asyncpg.Pool) -> None:
    orphan, live = await queue(pool, await subscription(pool), count=2)
    await claim_due(pool, 10, half_open_after=5)
    await pool.execute(
        "UPDATE webhook_deliveries SET attempted_at = now() - interval '1 hour' WHERE event_id = $1", orphan
    )

    assert await reclaim_stale(pool, timedelta(seconds=45)) == 1

    statuses = {str(r["event_id"]): r["status"] for r in await attempt_rows(pool)}
    assert statuses == {orphan: "pending", live: "in_flight"}
    assert [attempt.event_id for attempt in await claim_due(pool, 10, half_open_after=5)] == [orphan]


async def test_a_failed_attempt_is_closed_and_its_successor_queued(pool: asyncpg.Pool) -> None:
    (event_id,) = await queue(pool, await subscription(pool))
    (attempt,) = await claim_due(pool, 1, half_open_after=5)

    settled = await settle_in_transaction(
        pool,
        attempt.delivery_id,
        SERVER_ERROR,
        Settlement(DeliveryStatus.FAILED, NextAttempt(2, timedelta(seconds=30))),
    )

    assert settled
    first, second = await attempt_rows(pool)
    assert (first["status"], first["http_status"], first["response_time_ms"], first["error_kind"]) == (
        "failed",
        503,
        20,
        "5xx",
    )
    assert first["completed_at"] is not None
    assert (second["attempt_number"], second["status"], str(second["event_id"])) == (2, "pending", event_id)
    assert second["payload"] == first["payload"]
    assert second["scheduled_at"] - first["completed_at"] == timedelta(seconds=30)


async def test_the_last_failed_attempt_is_dead_lettered_without_successor(pool: asyncpg.Pool) -> None:
    await queue(pool, await subscription(pool))
    await pool.execute("UPDATE webhook_deliveries SET attempt_number = $1", DEFAULT_RETRY_SCHEDULE.max_attempts)
    (attempt,) = await claim_due(pool, 1, half_open_after=5)

    await settle_in_transaction(pool, attempt.delivery_id, SERVER_ERROR, Settlement(DeliveryStatus.DLQ))

    (row,) = await attempt_rows(pool)
    assert (row["attempt_number"], row["status"]) == (DEFAULT_RETRY_SCHEDULE.max_attempts, "dlq")


async def test_an_attempt_reclaimed_meanwhile_is_not_settled_twice(pool: asyncpg.Pool) -> None:
    await queue(pool, await subscription(pool))
    (attempt,) = await claim_due(pool, 1, half_open_after=5)
    await pool.execute("UPDATE webhook_deliveries SET status = 'pending'")  # what reclaim_stale does

    settled = await settle_in_transaction(
        pool,
        attempt.delivery_id,
        SERVER_ERROR,
        Settlement(DeliveryStatus.FAILED, NextAttempt(2, timedelta(0))),
    )

    assert not settled
    (row,) = await attempt_rows(pool)
    assert row["status"] == "pending"


async def test_queued_attempts_wake_the_workers_and_duplicates_are_ignored(pool: asyncpg.Pool) -> None:
    subscription_id = await subscription(pool)
    woken = asyncio.Event()

    def wake(*_: object) -> None:
        woken.set()

    listener = await pool.acquire()
    await listener.add_listener(NOTIFY_CHANNEL, wake)
    try:
        (event_id,) = await queue(pool, subscription_id)
        await asyncio.wait_for(woken.wait(), timeout=5)
        async with pool.acquire() as connection, connection.transaction():
            await insert_first_attempts(
                connection, [NewDelivery(subscription_id, event_id, "warehouse.created", 1, None, b"{}")]
            )
    finally:
        await listener.remove_listener(NOTIFY_CHANNEL, wake)
        await pool.release(listener)

    (row,) = await attempt_rows(pool)
    assert row["payload"] == f'{{"id":"{event_id}"}}'.encode()
