"""Subscriptions in PostgreSQL: creation with their first secret, changes, deletion, health and the admin reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from canonical.db import Connection
from dispatcher.domain.endpoint_health import EndpointHealth

_SUBSCRIPTION_COLUMNS = (
    "subscription_id, connector_id, display_name, delivery_url, subscription_filter, status, pause_reason,"
    " signature_profile, rate_limit_per_second, max_concurrency, dlq_ceiling, pending_ceiling, consecutive_failures,"
    " breaker_open_until, created_at, updated_at"
)
_ATTEMPT_COLUMNS = (
    "delivery_id, event_id, event_type, run, attempt_number, status, scheduled_at, attempted_at, completed_at,"
    " http_status, response_time_ms, error_kind"
)
# Columns an admin may change with PATCH (the API validates the values).
EDITABLE_COLUMNS = frozenset(
    {
        "display_name",
        "delivery_url",
        "subscription_filter",
        "signature_profile",
        "rate_limit_per_second",
        "max_concurrency",
        "dlq_ceiling",
        "pending_ceiling",
    }
)
ROTATION_OVERLAP = timedelta(hours=24)


def json_ready(row: asyncpg.Record) -> dict[str, Any]:
    """Row as the API shows it: UUIDs as text, timestamps in ISO 8601."""
    view: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, uuid.UUID):
            value = str(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        view[key] = value
    return view


async def insert_subscription(
    connection: Connection, *, fields: dict[str, Any], secret_ciphertext: bytes
) -> dict[str, Any]:
    """Insert the subscription and its generation-1 secret; the caller holds the transaction."""
    names = sorted(fields)
    row = await connection.fetchrow(
        f"INSERT INTO webhook_subscriptions ({', '.join(names)})"  # noqa: S608 (names from EDITABLE_COLUMNS)
        f" VALUES ({', '.join(f'${i}' for i in range(1, len(names) + 1))}) RETURNING {_SUBSCRIPTION_COLUMNS}",
        *(fields[n] for n in names),
    )
    assert row is not None  # INSERT ... RETURNING returns the row
    await connection.execute(
        "INSERT INTO webhook_secrets (subscription_id, generation, secret_ciphertext) VALUES ($1, 1, $2)",
        row["subscription_id"],
        secret_ciphertext,
    )
    return json_ready(row)


async def lock_subscription(connection: Connection, subscription_id: uuid.UUID) -> dict[str, Any] | None:
    row = await connection.fetchrow(
        f"SELECT {_SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE subscription_id = $1 FOR UPDATE",  # noqa: S608
        subscription_id,
    )
    return None if row is None else dict(row.items())


async def update_subscription(
    connection: Connection, subscription_id: uuid.UUID, changes: dict[str, Any]
) -> dict[str, Any]:
    """Write the changed columns (status and pause_reason included) and return the row as the API shows it."""
    names = sorted(changes)
    # A no-op PATCH writes nothing, not even updated_at.
    assignments = [f"{name} = ${i}" for i, name in enumerate(names, start=2)] + (
        ["updated_at = now()"] if names else ["updated_at = updated_at"]
    )
    row = await connection.fetchrow(
        f"UPDATE webhook_subscriptions SET {', '.join(assignments)}"  # noqa: S608 (fixed column names)
        f" WHERE subscription_id = $1 RETURNING {_SUBSCRIPTION_COLUMNS}",
        subscription_id,
        *(changes[n] for n in names),
    )
    assert row is not None  # the caller holds the row lock
    return json_ready(row)


async def purge_subscription(
    connection: Connection, subscription_id: uuid.UUID, *, url: str, canonical: str, deleted_by: str
) -> tuple[int, int]:
    """Tombstone the URL, delete the delivery history and the subscription; return (tombstone id, rows deleted)."""
    tombstone_id = await connection.fetchval(
        "INSERT INTO webhook_subscription_tombstones"
        " (subscription_id, delivery_url_at_delete, delivery_url_canonical, deleted_by)"
        " VALUES ($1, $2, $3, $4) RETURNING tombstone_id",
        subscription_id,
        url,
        canonical,
        deleted_by,
    )
    deleted = await connection.execute("DELETE FROM webhook_deliveries WHERE subscription_id = $1", subscription_id)
    await connection.execute("DELETE FROM webhook_subscriptions WHERE subscription_id = $1", subscription_id)
    return int(tombstone_id), int(deleted.rsplit(" ", 1)[-1])


async def open_tombstone(connection: Connection, canonical: str) -> int | None:
    found: int | None = await connection.fetchval(
        "SELECT tombstone_id FROM webhook_subscription_tombstones"
        " WHERE delivery_url_canonical = $1 AND acknowledged_at IS NULL ORDER BY tombstone_id DESC LIMIT 1",
        canonical,
    )
    return found


async def acknowledge_tombstones(connection: Connection, canonical: str, by: str) -> None:
    await connection.execute(
        "UPDATE webhook_subscription_tombstones SET acknowledged_at = now(), acknowledged_by = $2"
        " WHERE delivery_url_canonical = $1 AND acknowledged_at IS NULL",
        canonical,
        by,
    )


async def rotate_secret(connection: Connection, subscription_id: uuid.UUID, new_ciphertext: bytes) -> datetime:
    """Drop the old previous secret, demote the current one for the overlap, store the new current one.

    Returns when the demoted secret stops signing.
    """
    await connection.execute(
        "DELETE FROM webhook_secrets WHERE subscription_id = $1 AND generation = 2", subscription_id
    )
    expires_at: datetime = await connection.fetchval(
        "UPDATE webhook_secrets SET generation = 2, expires_at = now() + $2::interval"
        " WHERE subscription_id = $1 AND generation = 1 RETURNING expires_at",
        subscription_id,
        ROTATION_OVERLAP,
    )
    await connection.execute(
        "INSERT INTO webhook_secrets (subscription_id, generation, secret_ciphertext) VALUES ($1, 1, $2)",
        subscription_id,
        new_ciphertext,
    )
    return expires_at


async def lock_health(
    connection: Connection, subscription_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, EndpointHealth]]:
    """Status and health of the subscriptions, their rows locked for this transaction.

    In id order, so two settlements never wait on each other in a cycle. FOR NO
    KEY UPDATE: the fan-out's inserts (a foreign-key share lock) go on meanwhile.
    """
    rows = await connection.fetch(
        "SELECT subscription_id, status, consecutive_failures, failing_since, breaker_open_until"
        " FROM webhook_subscriptions WHERE subscription_id = ANY($1::uuid[])"
        " ORDER BY subscription_id FOR NO KEY UPDATE",
        sorted(set(subscription_ids)),
    )
    return {
        r["subscription_id"]: (
            r["status"],
            EndpointHealth(r["consecutive_failures"], r["failing_since"], r["breaker_open_until"]),
        )
        for r in rows
    }


async def store_health(connection: Connection, subscription_id: uuid.UUID, health: EndpointHealth) -> None:
    await connection.execute(
        "UPDATE webhook_subscriptions SET consecutive_failures = $2, failing_since = $3, breaker_open_until = $4"
        " WHERE subscription_id = $1",
        subscription_id,
        health.consecutive_failures,
        health.failing_since,
        health.breaker_open_until,
    )


async def pause(connection: Connection, subscription_id: uuid.UUID, reason: str) -> bool:
    """Pause an active subscription for `reason`; False when it was not active."""
    status = await connection.execute(
        "UPDATE webhook_subscriptions SET status = 'paused', pause_reason = $2, updated_at = now()"
        " WHERE subscription_id = $1 AND status = 'active'",
        subscription_id,
        reason,
    )
    return status.endswith(" 1")


# Collecting subscriptions (as in fanout_targets) whose unfinished deliveries reached their ceiling; the
# count stops at the ceiling, so a large backlog costs no more to check than one at the limit.
_AT_PENDING_CEILING = """
SELECT s.subscription_id, s.pending_ceiling, u.unfinished
FROM webhook_subscriptions s
CROSS JOIN LATERAL (
    SELECT count(*) AS unfinished FROM (
        SELECT 1 FROM webhook_deliveries d
        WHERE d.subscription_id = s.subscription_id AND d.status IN ('pending', 'in_flight')
        LIMIT s.pending_ceiling) AS capped
) u
WHERE (s.status = 'active' OR (s.status = 'paused' AND s.pause_reason = 'manual')) AND u.unfinished >= s.pending_ceiling
"""


async def at_pending_ceiling(pool: asyncpg.Pool) -> list[tuple[uuid.UUID, int, int]]:
    """(subscription, unfinished deliveries, ceiling) for each collecting subscription at its pending ceiling."""
    rows = await pool.fetch(_AT_PENDING_CEILING)
    return [(r["subscription_id"], int(r["unfinished"]), int(r["pending_ceiling"])) for r in rows]


async def pause_at_ceiling(connection: Connection, subscription_id: uuid.UUID, reason: str) -> bool:
    """Like `pause`, but also over a manual pause (which keeps collecting): the ceiling stops collection."""
    status = await connection.execute(
        "UPDATE webhook_subscriptions SET status = 'paused', pause_reason = $2, updated_at = now()"
        " WHERE subscription_id = $1 AND (status = 'active' OR (status = 'paused' AND pause_reason = 'manual'))",
        subscription_id,
        reason,
    )
    return status.endswith(" 1")


async def get_subscription(pool: asyncpg.Pool, subscription_id: uuid.UUID) -> dict[str, Any] | None:
    row = await pool.fetchrow(
        f"SELECT {_SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE subscription_id = $1",  # noqa: S608
        subscription_id,
    )
    return None if row is None else json_ready(row)


async def list_subscriptions(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        f"SELECT {_SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions ORDER BY created_at, subscription_id"  # noqa: S608
    )
    return [json_ready(r) for r in rows]


async def list_attempts(
    pool: asyncpg.Pool, subscription_id: uuid.UUID, *, limit: int, offset: int, status: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """One subscription's delivery attempts (optionally of one status), newest first, and how many in all."""
    async with pool.acquire() as connection:
        total = int(
            await connection.fetchval(
                "SELECT count(*) FROM webhook_deliveries"
                " WHERE subscription_id = $1 AND ($2::text IS NULL OR status = $2)",
                subscription_id,
                status,
            )
        )
        rows = await connection.fetch(
            f"SELECT {_ATTEMPT_COLUMNS} FROM webhook_deliveries"  # noqa: S608
            " WHERE subscription_id = $1 AND ($2::text IS NULL OR status = $2)"
            " ORDER BY delivery_id DESC LIMIT $3 OFFSET $4",
            subscription_id,
            status,
            limit,
            offset,
        )
    return [json_ready(r) for r in rows], total


async def fanout_targets(connection: Connection) -> list[tuple[uuid.UUID, dict[str, Any], str]]:
    """Subscriptions that collect deliveries: id, filter, profile.

    A subscription an admin paused collects (it catches up on resume); one the dispatcher
    paused (DLQ ceiling, auto-disabled) does not, so a dead endpoint's backlog stops growing.
    """
    rows = await connection.fetch(
        "SELECT subscription_id, subscription_filter, signature_profile FROM webhook_subscriptions"
        " WHERE status = 'active' OR (status = 'paused' AND pause_reason = 'manual')"
    )
    return [(r["subscription_id"], r["subscription_filter"], r["signature_profile"]) for r in rows]


async def load_send_material(connection: Connection | asyncpg.Pool, subscription_id: uuid.UUID) -> SendMaterial:
    rows = await connection.fetch(
        "SELECT s.delivery_url, s.signature_profile, s.rate_limit_per_second, k.secret_ciphertext"
        " FROM webhook_subscriptions s JOIN webhook_secrets k USING (subscription_id)"
        " WHERE s.subscription_id = $1 AND (k.expires_at IS NULL OR k.expires_at > now())"
        " ORDER BY k.generation",
        subscription_id,
    )
    if not rows:
        raise LookupError(f"subscription {subscription_id} has no live signing secret")
    first = rows[0]
    return SendMaterial(
        first["delivery_url"],
        first["signature_profile"],
        first["rate_limit_per_second"],
        [bytes(r["secret_ciphertext"]) for r in rows],
    ).checked(subscription_id)


class SendMaterial:
    """What a send needs from the subscription: where, how to sign, how fast, and the live secrets."""

    __slots__ = ("delivery_url", "rate_limit_per_second", "secret_ciphertexts", "signature_profile")

    def __init__(
        self, delivery_url: str, signature_profile: str, rate_limit_per_second: int, secret_ciphertexts: list[bytes]
    ) -> None:
        self.delivery_url = delivery_url
        self.signature_profile = signature_profile
        self.rate_limit_per_second = rate_limit_per_second
        self.secret_ciphertexts = secret_ciphertexts  # generation 1 first, then an unexpired generation 2

    def checked(self, subscription_id: uuid.UUID) -> SendMaterial:
        """Itself, if it can sign: a subscription without a live secret must not send unsigned."""
        if not self.secret_ciphertexts:
            raise LookupError(f"subscription {subscription_id} has no live signing secret")
        return self
