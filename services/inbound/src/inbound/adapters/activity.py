"""Read side for admins: what came in, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

_SUMMARY = (
    "inbound_id, resource, source_system, external_id, external_version, canonical_type, canonical_id,"
    " status, received_at, superseded_at, received_via"
)


def _json_ready(row: asyncpg.Record) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, datetime) else str(value) if key == "canonical_id" else value
        for key, value in dict(row).items()
    }


async def recent_activity(
    pool: asyncpg.Pool,
    *,
    source_system: str | None,
    resource: str | None,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        f"SELECT {_SUMMARY} FROM inbound_records"  # noqa: S608 (a constant column list)
        " WHERE ($1::text IS NULL OR source_system = $1) AND ($2::text IS NULL OR resource = $2)"
        " AND ($3::text IS NULL OR status = $3) AND ($4::timestamptz IS NULL OR received_at >= $4)"
        " AND ($5::timestamptz IS NULL OR received_at <= $5)"
        " ORDER BY inbound_id DESC LIMIT $6",
        source_system,
        resource,
        status,
        since,
        until,
        limit,
    )
    return [_json_ready(r) for r in rows]


async def one_record(pool: asyncpg.Pool, resource: str, inbound_id: int) -> dict[str, Any] | None:
    row = await pool.fetchrow(
        f"SELECT {_SUMMARY}, canonical_payload, source_payload FROM inbound_records"  # noqa: S608
        " WHERE resource = $1 AND inbound_id = $2",
        resource,
        inbound_id,
    )
    return None if row is None else _json_ready(row)
