"""Subscriptions in PostgreSQL: creation with their first secret, and the admin reads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from canonical.db import Connection

_SUBSCRIPTION_COLUMNS = (
    "subscription_id, display_name, delivery_url, subscription_filter, status, created_at, updated_at"
)
_ATTEMPT_COLUMNS = (
    "delivery_id, event_id, event_type, attempt_number, status, scheduled_at, attempted_at, completed_at,"
    " http_status, response_time_ms, error_kind"
)


def _json_ready(row: asyncpg.Record) -> dict[str, Any]:
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
    connection: Connection,
    *,
    display_name: str,
    delivery_url: str,
    subscription_filter: dict[str, Any],
    secret_ciphertext: bytes,
) -> dict[str, Any]:
    """Insert the subscription and its generation-1 secret; the caller holds the transaction."""
    row = await connection.fetchrow(
        "INSERT INTO webhook_subscriptions (display_name, delivery_url, subscription_filter)"  # noqa: S608
        f" VALUES ($1, $2, $3) RETURNING {_SUBSCRIPTION_COLUMNS}",
        display_name,
        delivery_url,
        subscription_filter,
    )
    assert row is not None  # INSERT ... RETURNING returns the row
    await connection.execute(
        "INSERT INTO webhook_secrets (subscription_id, generation, secret_ciphertext) VALUES ($1, 1, $2)",
        row["subscription_id"],
        secret_ciphertext,
    )
    return _json_ready(row)


async def get_subscription(pool: asyncpg.Pool, subscription_id: uuid.UUID) -> dict[str, Any] | None:
    row = await pool.fetchrow(
        f"SELECT {_SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE subscription_id = $1",  # noqa: S608
        subscription_id,
    )
    return None if row is None else _json_ready(row)


async def list_subscriptions(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        f"SELECT {_SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions ORDER BY created_at, subscription_id"  # noqa: S608
    )
    return [_json_ready(r) for r in rows]


async def list_attempts(
    pool: asyncpg.Pool, subscription_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """One subscription's delivery attempts, newest first, and how many there are in all."""
    async with pool.acquire() as connection:
        total = int(
            await connection.fetchval(
                "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = $1", subscription_id
            )
        )
        rows = await connection.fetch(
            f"SELECT {_ATTEMPT_COLUMNS} FROM webhook_deliveries WHERE subscription_id = $1"  # noqa: S608
            " ORDER BY delivery_id DESC LIMIT $2 OFFSET $3",
            subscription_id,
            limit,
            offset,
        )
    return [_json_ready(r) for r in rows], total


async def active_subscription_filters(connection: Connection) -> list[tuple[uuid.UUID, dict[str, Any]]]:
    rows = await connection.fetch(
        "SELECT subscription_id, subscription_filter FROM webhook_subscriptions WHERE status = 'active'"
    )
    return [(r["subscription_id"], r["subscription_filter"]) for r in rows]
