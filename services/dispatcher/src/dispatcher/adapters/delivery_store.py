"""Delivery attempts in PostgreSQL: fan-out inserts, the worker's claim, settling, replays.

Concurrency: a worker claims due rows and marks them `in_flight` in one
statement that re-checks `status = 'pending'` on each row it updates, so no
row is sent twice. A worker that dies mid-send leaves its rows `in_flight`;
once such a row is older than the longest a send can take, no live worker can
still hold it, and it goes back to `pending` (the receiver may then get that
attempt twice, which `webhook-id` lets it recognise).

The claim enforces, per subscription: the breaker (nothing while open, one
probe at a time while half-open), the concurrency limit, and per-aggregate
order (a row waits while an earlier event of the same aggregate is unfinished
for that subscription). None of these look at other subscriptions, so a dead
endpoint holds up no one else.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from canonical.db import Connection
from dispatcher.domain.attempts import AttemptOutcome, DeliveryStatus, Settlement

NOTIFY_CHANNEL = "webhook_deliveries"


@dataclass(frozen=True)
class NewDelivery:
    subscription_id: uuid.UUID
    event_id: str
    event_type: str
    event_seq: int
    ordering_key: str | None
    payload: bytes


@dataclass(frozen=True)
class ClaimedAttempt:
    delivery_id: int
    subscription_id: uuid.UUID
    event_id: str
    event_type: str
    event_seq: int | None
    attempt_number: int
    payload: bytes


@dataclass(frozen=True)
class ClosedAttempt:
    subscription_id: uuid.UUID
    status: DeliveryStatus


async def insert_first_attempts(connection: Connection, deliveries: Sequence[NewDelivery]) -> None:
    """Queue attempt 1 of each delivery and wake the delivery workers when the caller commits."""
    await connection.executemany(
        "INSERT INTO webhook_deliveries"
        " (subscription_id, event_id, event_type, attempt_number, event_seq, ordering_key, payload)"
        " VALUES ($1, $2::uuid, $3, 1, $4, $5, $6) ON CONFLICT DO NOTHING",
        [(d.subscription_id, d.event_id, d.event_type, d.event_seq, d.ordering_key, d.payload) for d in deliveries],
    )
    await connection.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)


# Per sendable subscription (active, breaker not open), up to its free room of its oldest due rows
# that no earlier unfinished row of the same aggregate holds back; then the oldest of those overall.
# Walking each subscription separately keeps a large backlog of one (say a half-open endpoint with
# thousands of due rows and room for one) from crowding every other subscription out of the claim.
_CLAIM = """
WITH room AS (
    SELECT s.subscription_id,
           CASE WHEN s.consecutive_failures >= $2 THEN 1 ELSE s.max_concurrency END
             - (SELECT count(*) FROM webhook_deliveries f
                WHERE f.subscription_id = s.subscription_id AND f.status = 'in_flight') AS free
    FROM webhook_subscriptions s
    WHERE s.status = 'active' AND (s.breaker_open_until IS NULL OR s.breaker_open_until <= now())
),
sendable AS (
    SELECT d.delivery_id
    FROM room r
    CROSS JOIN LATERAL (
        SELECT p.delivery_id FROM webhook_deliveries p
        WHERE p.subscription_id = r.subscription_id AND p.status = 'pending' AND p.scheduled_at <= now()
          AND NOT EXISTS (
              SELECT 1 FROM webhook_deliveries e
              WHERE e.subscription_id = p.subscription_id AND e.ordering_key = p.ordering_key
                AND e.status IN ('pending', 'in_flight')
                AND (e.event_seq < p.event_seq OR (e.event_seq = p.event_seq AND e.delivery_id < p.delivery_id)))
        ORDER BY p.event_seq NULLS FIRST, p.delivery_id
        LIMIT r.free
    ) d
    WHERE r.free > 0
)
UPDATE webhook_deliveries SET status = 'in_flight', attempted_at = now()
WHERE delivery_id IN (SELECT delivery_id FROM sendable ORDER BY delivery_id LIMIT $1)
  AND status = 'pending'
RETURNING delivery_id, subscription_id, event_id, event_type, event_seq, attempt_number, payload
"""


async def claim_due(pool: asyncpg.Pool, limit: int, *, half_open_after: int) -> list[ClaimedAttempt]:
    """Mark up to `limit` sendable attempts `in_flight` and return them, oldest first."""
    rows = await pool.fetch(_CLAIM, limit, half_open_after)
    return [
        ClaimedAttempt(
            r["delivery_id"],
            r["subscription_id"],
            str(r["event_id"]),
            r["event_type"],
            r["event_seq"],
            r["attempt_number"],
            r["payload"],
        )
        for r in sorted(rows, key=lambda row: row["delivery_id"])  # RETURNING order is unspecified
    ]


async def reclaim_stale(pool: asyncpg.Pool, older_than: timedelta) -> int:
    """Return attempts left `in_flight` by a worker that died to `pending`, due now; return how many."""
    status = await pool.execute(
        "UPDATE webhook_deliveries SET status = 'pending', scheduled_at = now()"
        " WHERE status = 'in_flight' AND attempted_at < now() - $1::interval",
        older_than,
    )
    return int(status.rsplit(" ", 1)[-1])


async def record_settlement(
    connection: Connection, delivery_id: int, outcome: AttemptOutcome, settlement: Settlement
) -> ClosedAttempt | None:
    """Close the attempt and, after a failure that is not final, queue the next one (caller's transaction).

    None when the attempt was no longer this worker's to close (reclaimed after its lease ran out).
    """
    closed = await connection.fetchrow(
        "UPDATE webhook_deliveries"
        " SET status = $2, completed_at = now(), http_status = $3, response_time_ms = $4, error_kind = $5"
        " WHERE delivery_id = $1 AND status = 'in_flight' RETURNING subscription_id",
        delivery_id,
        settlement.status.value,
        outcome.http_status,
        outcome.response_time_ms,
        None if outcome.error_kind is None else outcome.error_kind.value,
    )
    if closed is None:
        return None
    if settlement.next_attempt is not None:
        await connection.execute(
            "INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, attempt_number, status,"
            " scheduled_at, payload, run, event_seq, ordering_key)"
            " SELECT subscription_id, event_id, event_type, $2, $3, now() + $4::interval, payload, run, event_seq,"
            " ordering_key FROM webhook_deliveries WHERE delivery_id = $1"
            " ON CONFLICT DO NOTHING",
            delivery_id,
            settlement.next_attempt.attempt_number,
            DeliveryStatus.PENDING.value,
            settlement.next_attempt.delay,
        )
    return ClosedAttempt(closed["subscription_id"], settlement.status)


async def count_dlq(connection: Connection, subscription_id: uuid.UUID) -> int:
    return int(
        await connection.fetchval(
            "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = $1 AND status = 'dlq'", subscription_id
        )
    )


async def count_unfinished(connection: Connection, subscription_id: uuid.UUID) -> int:
    return int(
        await connection.fetchval(
            "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = $1 AND status IN ('pending', 'in_flight')",
            subscription_id,
        )
    )


async def replay_one(connection: Connection, delivery_id: int) -> int:
    """Queue a fresh run (attempt 1, due now) of the delivery's event; return the new row's id."""
    new_id = await connection.fetchval(
        "INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, attempt_number, payload, run,"
        " event_seq, ordering_key)"
        " SELECT d.subscription_id, d.event_id, d.event_type, 1, d.payload,"
        "  (SELECT max(run) + 1 FROM webhook_deliveries r"
        "   WHERE r.subscription_id = d.subscription_id AND r.event_id = d.event_id),"
        "  d.event_seq, d.ordering_key"
        " FROM webhook_deliveries d WHERE d.delivery_id = $1 RETURNING delivery_id",
        delivery_id,
    )
    await connection.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
    return int(new_id)


_REPLAY_MATCH = """
SELECT DISTINCT ON (d.event_id) d.delivery_id
FROM webhook_deliveries d
WHERE d.subscription_id = $1 AND d.status = $2
  AND ($3::text IS NULL OR d.event_type = $3)
  AND ($4::timestamptz IS NULL OR d.completed_at >= $4)
  AND ($5::timestamptz IS NULL OR d.completed_at < $5)
ORDER BY d.event_id, d.delivery_id DESC
"""


async def replay_matches(connection: Connection, subscription_id: uuid.UUID, criteria: Sequence[object]) -> list[int]:
    """The latest row of each event of the subscription that a batch replay would re-run."""
    rows = await connection.fetch(_REPLAY_MATCH, subscription_id, *criteria)
    return [int(r["delivery_id"]) for r in rows]


async def delivery_subscription(connection: Connection, delivery_id: int) -> uuid.UUID | None:
    found: uuid.UUID | None = await connection.fetchval(
        "SELECT subscription_id FROM webhook_deliveries WHERE delivery_id = $1", delivery_id
    )
    return found
