"""Read models over delivery attempts: per-subscription statistics and the cross-subscription error list."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg

from dispatcher.adapters.subscription_store import json_ready

# Attempts finished within the window. `failed` rows are retried attempts; `dlq`/`aborted` ended a message.
_WINDOW_COUNTS = """
SELECT count(*) AS attempts,
       count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       count(*) FILTER (WHERE status = 'dlq') AS dlq,
       count(*) FILTER (WHERE status = 'aborted') AS aborted,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY response_time_ms) AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms) AS p95,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY response_time_ms) AS p99
FROM webhook_deliveries
WHERE subscription_id = $1 AND completed_at >= now() - $2::interval
"""
_TOP_ERRORS = """
SELECT error_kind, count(*) AS count FROM webhook_deliveries
WHERE subscription_id = $1 AND completed_at >= now() - $2::interval AND error_kind IS NOT NULL
GROUP BY error_kind ORDER BY count DESC, error_kind LIMIT 5
"""
_LAG = """
SELECT count(*) AS unfinished,
       extract(epoch FROM now() - min(scheduled_at) FILTER (WHERE status = 'pending' AND scheduled_at <= now()))
         AS oldest_due_age_s
FROM webhook_deliveries WHERE subscription_id = $1 AND status IN ('pending', 'in_flight')
"""


async def subscription_stats(pool: asyncpg.Pool, subscription_id: uuid.UUID, window: timedelta) -> dict[str, Any]:
    async with pool.acquire() as connection:
        counts = await connection.fetchrow(_WINDOW_COUNTS, subscription_id, window)
        errors = await connection.fetch(_TOP_ERRORS, subscription_id, window)
        lag = await connection.fetchrow(_LAG, subscription_id)
    assert counts is not None  # aggregates always return a row
    assert lag is not None
    return {
        "attempts": counts["attempts"],
        "succeeded": counts["succeeded"],
        "failed": counts["failed"],
        "dlq": counts["dlq"],
        "aborted": counts["aborted"],
        "response_time_ms": {p: None if counts[p] is None else round(counts[p], 1) for p in ("p50", "p95", "p99")},
        "top_error_kinds": [{"error_kind": r["error_kind"], "count": r["count"]} for r in errors],
        "lag": {
            "unfinished": lag["unfinished"],
            "oldest_due_age_s": None if lag["oldest_due_age_s"] is None else round(float(lag["oldest_due_age_s"]), 3),
        },
    }


_LIST_STATS_24H = """
SELECT s.subscription_id,
       count(d.delivery_id) FILTER (WHERE d.completed_at >= now() - interval '24 hours') AS attempts_24h,
       count(*) FILTER (WHERE d.status = 'succeeded' AND d.completed_at >= now() - interval '24 hours')
         AS succeeded_24h,
       count(*) FILTER (WHERE d.status = 'failed' AND d.completed_at >= now() - interval '24 hours') AS failed_24h,
       count(*) FILTER (WHERE d.status = 'dlq' AND d.completed_at >= now() - interval '24 hours') AS dlq_24h,
       count(*) FILTER (WHERE d.status IN ('pending', 'in_flight')) AS pending_count
FROM webhook_subscriptions s
LEFT JOIN webhook_deliveries d
  ON d.subscription_id = s.subscription_id
 AND (d.completed_at >= now() - interval '24 hours' OR d.status IN ('pending', 'in_flight'))
GROUP BY s.subscription_id
"""


async def stats_24h_by_subscription(pool: asyncpg.Pool) -> dict[uuid.UUID, dict[str, Any]]:
    rows = await pool.fetch(_LIST_STATS_24H)
    stats = {}
    for r in rows:
        attempts = r["attempts_24h"]
        stats[r["subscription_id"]] = {
            "attempts_24h": attempts,
            "succeeded_24h": r["succeeded_24h"],
            "failed_24h": r["failed_24h"],
            "dlq_24h": r["dlq_24h"],
            "success_rate_24h": None if attempts == 0 else round(r["succeeded_24h"] / attempts, 4),
            "pending_count": r["pending_count"],
        }
    return stats


_ERRORS_WHERE = (
    " WHERE d.status IN ('failed', 'dlq')"
    " AND ($1::uuid IS NULL OR d.subscription_id = $1) AND ($2::text IS NULL OR d.error_kind = $2)"
)


async def failed_attempts(
    pool: asyncpg.Pool, *, subscription_id: uuid.UUID | None, error_kind: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Failed and dead-lettered attempts across subscriptions, newest first, and how many in all."""
    async with pool.acquire() as connection:
        total = int(
            await connection.fetchval(
                "SELECT count(*) FROM webhook_deliveries d" + _ERRORS_WHERE,  # noqa: S608 (fixed text)
                subscription_id,
                error_kind,
            )
        )
        rows = await connection.fetch(
            "SELECT d.delivery_id, d.subscription_id, s.display_name, d.event_id, d.event_type, d.run,"  # noqa: S608
            " d.attempt_number, d.status, d.attempted_at, d.completed_at, d.http_status, d.response_time_ms,"
            " d.error_kind FROM webhook_deliveries d JOIN webhook_subscriptions s USING (subscription_id)"
            + _ERRORS_WHERE
            + " ORDER BY d.delivery_id DESC LIMIT $3 OFFSET $4",
            subscription_id,
            error_kind,
            limit,
            offset,
        )
    return [json_ready(r) for r in rows], total
