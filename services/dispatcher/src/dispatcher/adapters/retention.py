"""Delivery retention: finished attempts older than the retention period are deleted in bounded chunks.

Only finished rows go (`succeeded`, `failed`, `dlq`, `aborted`, by
`completed_at`); `pending` and `in_flight` are never touched, so no delivery
is lost. v1.7 kept `failed` rows for ever (every non-final attempt): here they
age out like the rest. Each chunk is its own transaction, so a large backlog
never holds locks for long, and a run stops after `max_run` so it cannot
monopolise the database; the next run carries on.
"""

from __future__ import annotations

import time
from datetime import timedelta

import asyncpg

CHUNK = 1000
MAX_RUN = timedelta(seconds=600)

_DELETE_CHUNK = """
WITH expired AS (
    SELECT delivery_id FROM webhook_deliveries
    WHERE status IN ('succeeded', 'failed', 'dlq', 'aborted') AND completed_at < now() - make_interval(days => $1)
    ORDER BY completed_at LIMIT $2 FOR UPDATE SKIP LOCKED
), deleted AS (
    DELETE FROM webhook_deliveries d USING expired WHERE d.delivery_id = expired.delivery_id RETURNING 1
)
SELECT count(*) FROM deleted
"""


async def delete_expired_deliveries(
    pool: asyncpg.Pool, retention_days: int, *, chunk: int = CHUNK, max_run: timedelta = MAX_RUN
) -> int:
    """Delete finished attempts older than `retention_days`; return how many went."""
    deadline = time.monotonic() + max_run.total_seconds()
    total = 0
    while time.monotonic() < deadline:
        deleted = int(await pool.fetchval(_DELETE_CHUNK, retention_days, chunk))
        total += deleted
        if deleted < chunk:
            break
    return total
