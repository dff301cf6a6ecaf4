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
from dispatcher.adapters.subscription_store import SendMaterial
from dispatcher.domain.attempts import AttemptOutcome, Settlement

NOTIFY_CHANNEL = "webhook_deliveries"
# Names this process in the notifications its fan-out sends: its own delivery worker was already woken
# directly and ignores them; other processes' workers do not.
PROCESS_TOKEN = uuid.uuid4().hex


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
    # The subscription as the claim read it (URL, profile, live secrets): a send needs no other read,
    # and a rotation or URL change committed before the claim applies to it. None: read it at send time.
    material: SendMaterial | None = None


@dataclass(frozen=True)
class Closing:
    """An attempt's outcome, to be recorded: how it ended and, after a failure that is not final, what follows."""

    delivery_id: int
    outcome: AttemptOutcome
    settlement: Settlement


async def insert_first_attempts(connection: Connection, deliveries: Sequence[NewDelivery]) -> None:
    """Queue attempt 1 of each delivery and wake the other processes' delivery workers when the caller commits."""
    await connection.executemany(
        "INSERT INTO webhook_deliveries"
        " (subscription_id, event_id, event_type, attempt_number, event_seq, ordering_key, payload)"
        " VALUES ($1, $2::uuid, $3, 1, $4, $5, $6) ON CONFLICT DO NOTHING",
        [(d.subscription_id, d.event_id, d.event_type, d.event_seq, d.ordering_key, d.payload) for d in deliveries],
    )
    await connection.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, PROCESS_TOKEN)


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
),
claimed AS (
    UPDATE webhook_deliveries SET status = 'in_flight', attempted_at = now()
    WHERE delivery_id IN (SELECT delivery_id FROM sendable ORDER BY delivery_id LIMIT $1)
      AND status = 'pending'
    RETURNING delivery_id, subscription_id, event_id, event_type, event_seq, attempt_number, payload
)
SELECT c.delivery_id, c.subscription_id, c.event_id, c.event_type, c.event_seq, c.attempt_number, c.payload,
       s.delivery_url, s.signature_profile, s.rate_limit_per_second,
       ARRAY(SELECT k.secret_ciphertext FROM webhook_secrets k
             WHERE k.subscription_id = c.subscription_id AND (k.expires_at IS NULL OR k.expires_at > now())
             ORDER BY k.generation) AS secret_ciphertexts
FROM claimed c JOIN webhook_subscriptions s USING (subscription_id)
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
            SendMaterial(
                r["delivery_url"],
                r["signature_profile"],
                r["rate_limit_per_second"],
                [bytes(c) for c in r["secret_ciphertexts"]],
            ),
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


_CLOSE = """
UPDATE webhook_deliveries d
SET status = u.status, completed_at = now(), http_status = u.http_status, response_time_ms = u.response_time_ms,
    error_kind = u.error_kind
FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[], $5::text[])
     AS u(delivery_id, status, http_status, response_time_ms, error_kind)
WHERE d.delivery_id = u.delivery_id AND d.status = 'in_flight'
RETURNING d.delivery_id
"""
_QUEUE_NEXT = """
INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, attempt_number, status, scheduled_at, payload,
                                run, event_seq, ordering_key)
SELECT d.subscription_id, d.event_id, d.event_type, n.attempt_number, 'pending', now() + n.delay, d.payload, d.run,
       d.event_seq, d.ordering_key
FROM unnest($1::bigint[], $2::smallint[], $3::interval[]) AS n(delivery_id, attempt_number, delay)
JOIN webhook_deliveries d USING (delivery_id)
ON CONFLICT DO NOTHING
"""


async def record_settlements(connection: Connection, closings: Sequence[Closing]) -> set[int]:
    """Close the attempts and queue the attempt after each failure that is not final (caller's transaction).

    Two statements however many attempts. Returns the ids closed: an attempt no
    longer in flight (reclaimed after its lease ran out) is left as it is.
    """
    rows = await connection.fetch(
        _CLOSE,
        [c.delivery_id for c in closings],
        [c.settlement.status.value for c in closings],
        [c.outcome.http_status for c in closings],
        [c.outcome.response_time_ms for c in closings],
        [None if c.outcome.error_kind is None else c.outcome.error_kind.value for c in closings],
    )
    closed = {int(r["delivery_id"]) for r in rows}
    follow_ups = [
        (c.delivery_id, c.settlement.next_attempt)
        for c in closings
        if c.delivery_id in closed and c.settlement.next_attempt is not None
    ]
    if follow_ups:
        await connection.execute(
            _QUEUE_NEXT,
            [delivery_id for delivery_id, _ in follow_ups],
            [attempt.attempt_number for _, attempt in follow_ups],
            [attempt.delay for _, attempt in follow_ups],
        )
    return closed


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
