"""Read side for admins: what came in, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

_SUMMARY = (
    "inbound_id, resource, source_system, external_id, external_version, canonical_type, canonical_id,"
    " status, received_at, superseded_at, received_via, apply_state, apply_error_code, applied_at"
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
    apply_state: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        f"SELECT {_SUMMARY} FROM inbound_records"  # noqa: S608 (a constant column list)
        " WHERE ($1::text IS NULL OR source_system = $1) AND ($2::text IS NULL OR resource = $2)"
        " AND ($3::text IS NULL OR status = $3) AND ($4::timestamptz IS NULL OR received_at >= $4)"
        " AND ($5::timestamptz IS NULL OR received_at <= $5) AND ($7::text IS NULL OR apply_state = $7)"
        " ORDER BY inbound_id DESC LIMIT $6",
        source_system,
        resource,
        status,
        since,
        until,
        limit,
        apply_state,
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


_COUNTED = ("received", "superseded", "pending", "applied", "rejected")


async def counters_by_source(pool: asyncpg.Pool, since: datetime | None) -> list[dict[str, Any]]:
    """Per allow-listed source and resource: what came in (optionally since a moment) and what became of it."""
    rows = await pool.fetch(
        "SELECT s.source_system, s.kind, r.resource, count(r.inbound_id) AS received,"
        " count(*) FILTER (WHERE r.status = 'superseded') AS superseded,"
        " count(*) FILTER (WHERE r.apply_state = 'pending') AS pending,"
        " count(*) FILTER (WHERE r.apply_state = 'applied') AS applied,"
        " count(*) FILTER (WHERE r.apply_state = 'rejected') AS rejected,"
        " max(r.received_at) AS last_received_at"
        " FROM inbound_source_systems s LEFT JOIN inbound_records r ON r.source_system = s.source_system"
        " AND ($1::timestamptz IS NULL OR r.received_at >= $1)"
        " GROUP BY s.source_system, s.kind, r.resource ORDER BY s.source_system, r.resource",
        since,
    )
    sources: dict[str, dict[str, Any]] = {}
    latest: dict[str, datetime] = {}
    for row in rows:
        source = sources.setdefault(
            row["source_system"],
            {
                "source_system": row["source_system"],
                "kind": row["kind"],
                "totals": dict.fromkeys(_COUNTED, 0),
                "last_received_at": None,
                "resources": {},
            },
        )
        if row["resource"] is None:
            continue  # allow-listed, nothing received yet
        counts = {name: int(row[name]) for name in _COUNTED}
        last: datetime = row["last_received_at"]
        source["resources"][row["resource"]] = {**counts, "last_received_at": last.isoformat()}
        source["totals"] = {name: source["totals"][name] + counts[name] for name in _COUNTED}
        latest[row["source_system"]] = max(latest.get(row["source_system"], last), last)
    for name, moment in latest.items():
        sources[name]["last_received_at"] = moment.isoformat()
    return list(sources.values())
