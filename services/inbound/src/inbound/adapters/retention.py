"""Source-payload retention: payloads older than the retention period are nulled, never deleted.

Rows stay (ids, versions, the canonical payload and the cross-system mappings
keep their meaning); only what the source sent is dropped. Work goes in
chunks, each its own transaction, so a large backlog never holds locks for
long and a crash loses at most one chunk's progress.
"""

from __future__ import annotations

import asyncpg

CHUNK = 1000


async def null_expired_payloads(pool: asyncpg.Pool, retention_days: int) -> int:
    run_id = await pool.fetchval(
        "INSERT INTO inbound_retention_runs (retention_days) VALUES ($1) RETURNING run_id", retention_days
    )
    total = 0
    try:
        while True:
            nulled = await pool.fetchval(
                "WITH expired AS ("
                "  SELECT inbound_id FROM inbound_records"
                "  WHERE source_payload IS NOT NULL AND received_at < clock_timestamp() - make_interval(days => $1)"
                "  ORDER BY inbound_id LIMIT $2 FOR UPDATE SKIP LOCKED)"
                " , nulled AS (UPDATE inbound_records r SET source_payload = NULL FROM expired"
                "  WHERE r.inbound_id = expired.inbound_id RETURNING 1)"
                " SELECT count(*) FROM nulled",
                retention_days,
                CHUNK,
            )
            total += int(nulled)
            if nulled < CHUNK:
                break
    except asyncpg.PostgresError as error:
        await pool.execute(
            "UPDATE inbound_retention_runs SET status = 'failed', finished_at = clock_timestamp(),"
            " rows_nullified = $2, error_message = left($3, 500) WHERE run_id = $1",
            run_id,
            total,
            str(error),
        )
        raise
    await pool.execute(
        "UPDATE inbound_retention_runs SET status = 'succeeded', finished_at = clock_timestamp(),"
        " rows_nullified = $2 WHERE run_id = $1",
        run_id,
        total,
    )
    return total
