"""Delivery attempts in PostgreSQL: fan-out inserts, the worker's claim, and settling an attempt.

Concurrency: several dispatcher replicas may run. A worker claims due rows
with FOR UPDATE SKIP LOCKED and marks them `in_flight` in the same statement,
so no row is sent by two workers. A worker that dies mid-send leaves its rows
`in_flight`; once such a row is older than the longest a send can take, no live
worker can still hold it, and it goes back to `pending` (the receiver may then
get that attempt twice, which `webhook-id` lets it recognise).
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
    payload: bytes


@dataclass(frozen=True)
class ClaimedAttempt:
    delivery_id: int
    subscription_id: uuid.UUID
    event_id: str
    attempt_number: int
    payload: bytes


@dataclass(frozen=True)
class SendMaterial:
    delivery_url: str
    secret_ciphertexts: list[bytes]  # generation 1 first, then an unexpired generation 2


async def insert_first_attempts(connection: Connection, deliveries: Sequence[NewDelivery]) -> None:
    """Queue attempt 1 of each delivery and wake the delivery workers when the caller commits."""
    # ON CONFLICT: the consumer already skips redelivered events; this keeps a replayed
    # event from failing its whole batch should its processed mark ever be lost.
    await connection.executemany(
        "INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, attempt_number, payload)"
        " VALUES ($1, $2::uuid, $3, 1, $4) ON CONFLICT DO NOTHING",
        [(d.subscription_id, d.event_id, d.event_type, d.payload) for d in deliveries],
    )
    await connection.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)


async def claim_due(pool: asyncpg.Pool, limit: int) -> list[ClaimedAttempt]:
    """Mark up to `limit` due attempts of active subscriptions `in_flight` and return them, oldest first."""
    rows = await pool.fetch(
        "UPDATE webhook_deliveries SET status = 'in_flight', attempted_at = now()"
        " WHERE delivery_id IN ("
        "   SELECT d.delivery_id FROM webhook_deliveries d"
        "   JOIN webhook_subscriptions s USING (subscription_id)"
        "   WHERE d.status = 'pending' AND d.scheduled_at <= now() AND s.status = 'active'"
        "   ORDER BY d.delivery_id LIMIT $1 FOR UPDATE OF d SKIP LOCKED)"
        " RETURNING delivery_id, subscription_id, event_id, attempt_number, payload",
        limit,
    )
    return [
        ClaimedAttempt(r["delivery_id"], r["subscription_id"], str(r["event_id"]), r["attempt_number"], r["payload"])
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


async def load_send_material(pool: asyncpg.Pool, subscription_id: uuid.UUID) -> SendMaterial:
    rows = await pool.fetch(
        "SELECT s.delivery_url, k.secret_ciphertext FROM webhook_subscriptions s"
        " JOIN webhook_secrets k USING (subscription_id)"
        " WHERE s.subscription_id = $1 AND (k.expires_at IS NULL OR k.expires_at > now())"
        " ORDER BY k.generation",
        subscription_id,
    )
    if not rows:
        raise LookupError(f"subscription {subscription_id} has no live signing secret")
    return SendMaterial(rows[0]["delivery_url"], [bytes(r["secret_ciphertext"]) for r in rows])


async def record_settlement(
    pool: asyncpg.Pool, delivery_id: int, outcome: AttemptOutcome, settlement: Settlement
) -> bool:
    """Close the attempt and, after a failure that is not final, queue the next one: both or neither.

    False when the attempt was no longer this worker's to close (reclaimed after its lease ran out).
    """
    async with pool.acquire() as connection, connection.transaction():
        closed = await connection.fetchval(
            "UPDATE webhook_deliveries"
            " SET status = $2, completed_at = now(), http_status = $3, response_time_ms = $4, error_kind = $5"
            " WHERE delivery_id = $1 AND status = 'in_flight' RETURNING delivery_id",
            delivery_id,
            settlement.status.value,
            outcome.http_status,
            outcome.response_time_ms,
            None if outcome.error_kind is None else outcome.error_kind.value,
        )
        if closed is None:
            return False
        if settlement.next_attempt is None:
            return True
        await connection.execute(
            "INSERT INTO webhook_deliveries"
            " (subscription_id, event_id, event_type, attempt_number, status, scheduled_at, payload)"
            " SELECT subscription_id, event_id, event_type, $2, $3, now() + $4::interval, payload"
            " FROM webhook_deliveries WHERE delivery_id = $1"
            " ON CONFLICT DO NOTHING",
            delivery_id,
            settlement.next_attempt.attempt_number,
            DeliveryStatus.PENDING.value,
            settlement.next_attempt.delay,
        )
    return True
