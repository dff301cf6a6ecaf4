"""The dispatcher's log of consumed events: the int64 `event_id` of the v1.7 wire envelope, and polling reads.

Writers take a transaction-level advisory lock before inserting, so event ids
are allocated in commit order: a poller that has seen id N will never later
find a committed row below N (a bigserial alone would not promise that when
two replicas' transactions commit out of allocation order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from canonical.db import Connection
from dispatcher.domain.envelope import WireEnvelope

# Any constant unique to this table's writers in this database.
_WRITER_LOCK = 0x5E7_1E_0001


@dataclass(frozen=True)
class LoggedEvent:
    cloudevent_id: str
    event_type: str
    event_version: int
    event_timestamp: datetime
    aggregate_type: str | None
    aggregate_id: str | None
    warehouse_id: int | None
    source_txn_id: str | None
    data: dict[str, Any]


# One statement for the whole batch. Rows are inserted in input order (ORDER BY the ordinality), so the
# ids follow the order the events were consumed in: one aggregate's events keep their order.
_APPEND = """
INSERT INTO integration_events (cloudevent_id, event_type, event_version, event_timestamp, aggregate_type,
                                aggregate_id, warehouse_id, source_txn_id, data)
SELECT cloudevent_id, event_type, event_version, event_timestamp, aggregate_type, aggregate_id, warehouse_id,
       source_txn_id, data
FROM unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[], $5::text[], $6::text[], $7::int[], $8::text[],
            $9::jsonb[]) WITH ORDINALITY
     AS e(cloudevent_id, event_type, event_version, event_timestamp, aggregate_type, aggregate_id, warehouse_id,
          source_txn_id, data, position)
ORDER BY position
RETURNING event_id, cloudevent_id
"""


async def append_events(connection: Connection, events: Sequence[LoggedEvent]) -> list[WireEnvelope]:
    """Number the events in commit order (the caller's transaction) and return their wire envelopes."""
    if not events:
        return []
    await connection.execute("SELECT pg_advisory_xact_lock($1)", _WRITER_LOCK)
    rows = await connection.fetch(
        _APPEND,
        [e.cloudevent_id for e in events],
        [e.event_type for e in events],
        [e.event_version for e in events],
        [e.event_timestamp for e in events],
        [e.aggregate_type for e in events],
        [e.aggregate_id for e in events],
        [e.warehouse_id for e in events],
        [e.source_txn_id for e in events],
        [e.data for e in events],
    )
    ids = {str(r["cloudevent_id"]): int(r["event_id"]) for r in rows}
    numbered = [ids[str(e.cloudevent_id)] for e in events]
    if numbered != sorted(numbered):  # never expected: it would break per-aggregate order, so refuse the batch
        raise RuntimeError("integration_events numbered a batch out of its order")
    return [
        WireEnvelope(
            event_id,
            event.event_type,
            event.event_version,
            event.event_timestamp,
            event.aggregate_type,
            event.aggregate_id,
            event.warehouse_id,
            event.source_txn_id,
            event.data,
        )
        for event_id, event in zip(numbered, events, strict=True)
    ]


@dataclass(frozen=True)
class EventQuery:
    after: int
    limit: int
    event_types: Sequence[str] | None  # None: no restriction
    warehouse_ids: Sequence[int] | None


async def read_events(connection: Connection, query: EventQuery) -> list[WireEnvelope]:
    rows = await connection.fetch(
        "SELECT event_id, event_type, event_version, event_timestamp, aggregate_type, aggregate_id, warehouse_id,"
        " source_txn_id, data FROM integration_events"
        " WHERE event_id > $1 AND ($3::text[] IS NULL OR event_type = ANY($3))"
        " AND ($4::int[] IS NULL OR warehouse_id = ANY($4))"
        " ORDER BY event_id LIMIT $2",
        query.after,
        query.limit,
        None if query.event_types is None else list(query.event_types),
        None if query.warehouse_ids is None else list(query.warehouse_ids),
    )
    return [
        WireEnvelope(
            r["event_id"],
            r["event_type"],
            r["event_version"],
            r["event_timestamp"],
            r["aggregate_type"],
            r["aggregate_id"],
            r["warehouse_id"],
            r["source_txn_id"],
            r["data"],
        )
        for r in rows
    ]


async def outside_scope_between(
    connection: Connection,
    low: int,
    high: int,
    event_types: Sequence[str] | None,
    warehouse_ids: Sequence[int] | None,
) -> bool:
    """True if an event in (low, high] is one the caller could not have read."""
    found = await connection.fetchval(
        "SELECT EXISTS (SELECT 1 FROM integration_events WHERE event_id > $1 AND event_id <= $2"
        " AND (($3::text[] IS NOT NULL AND NOT event_type = ANY($3))"
        "   OR ($4::int[] IS NOT NULL AND (warehouse_id IS NULL OR NOT warehouse_id = ANY($4)))))",
        low,
        high,
        None if event_types is None else list(event_types),
        None if warehouse_ids is None else list(warehouse_ids),
    )
    return bool(found)


async def horizon(connection: Connection) -> int:
    return int(await connection.fetchval("SELECT coalesce(max(event_id), 0) FROM integration_events"))
