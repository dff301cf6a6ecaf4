"""Append-only event streams in PostgreSQL, with the outbox written in the same transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from canonical.db import Connection
from canonical.events.envelope import CloudEvent
from canonical.events.registry import EventRegistry

_STREAM_VERSION_CONSTRAINT = "event_store_stream_version_key"
# Events and their outbox rows in one statement: one round trip per append, however many events and streams.
# Rows go in array order, so global positions and outbox ids follow the order the caller appended in.
_APPEND = """
    WITH stored AS (
        INSERT INTO event_store (stream_id, stream_version, event_id, event_type, schema_version, data, metadata)
        SELECT e.stream_id, e.version, e.id, e.type, e.schema_version, e.data::jsonb, e.metadata::jsonb
        FROM unnest($1::text[], $2::int[], $3::uuid[], $4::text[], $5::int[], $6::text[], $7::text[])
            WITH ORDINALITY AS e (stream_id, version, id, type, schema_version, data, metadata, n)
        ORDER BY e.n
    )
    INSERT INTO outbox (event_id, event_type, topic, partition_key, payload)
    SELECT o.id, o.type, o.topic, o.partition_key, o.payload
    FROM unnest($3::uuid[], $4::text[], $8::text[], $9::text[], $10::bytea[])
        WITH ORDINALITY AS o (id, type, topic, partition_key, payload, n)
    ORDER BY o.n
"""


@dataclass(frozen=True)
class StreamAppend:
    """Events for one stream, after `expected_version` (0 for a new stream).

    Kafka keys the events by their stream, so one aggregate's events stay in order; `partition_key`
    widens that order to whatever the caller names (e.g. everything one source system sent).
    """

    stream_id: str
    expected_version: int
    events: Sequence[CloudEvent]
    partition_key: str | None = None


class ConcurrencyConflict(Exception):
    """Another writer appended to one of the streams since it was read; reload and decide again."""

    def __init__(self, stream_ids: Sequence[str]) -> None:
        super().__init__(f"{', '.join(stream_ids)} moved past the version read (another writer appended)")
        self.stream_ids = tuple(stream_ids)


@dataclass(frozen=True)
class RecordedEvent:
    global_position: int
    stream_id: str
    stream_version: int
    event: CloudEvent


class EventWriter:
    """Appends events to a stream and queues them for Kafka, inside the caller's transaction.

    The caller owns the transaction: the state change, its events and their
    outbox rows commit or roll back together.
    """

    def __init__(self, registry: EventRegistry, topic_prefix: str, *, validate: bool = True) -> None:
        self._registry = registry
        self._topic_prefix = topic_prefix
        self._validate = validate

    async def append(
        self,
        connection: Connection,
        stream_id: str,
        expected_version: int,
        events: Sequence[CloudEvent],
        *,
        partition_key: str | None = None,
    ) -> list[CloudEvent]:
        """Append after `expected_version` (0 for a new stream); return the events with their sequence."""
        [stamped] = await self.append_all(
            connection, [StreamAppend(stream_id, expected_version, events, partition_key)]
        )
        return stamped

    async def append_all(self, connection: Connection, appends: Sequence[StreamAppend]) -> list[list[CloudEvent]]:
        """Append to several streams in one statement; per append, the events with their sequence."""
        stamped = [
            [e.model_copy(update={"sequence": a.expected_version + i}) for i, e in enumerate(a.events, start=1)]
            for a in appends
        ]
        columns: tuple[list[Any], ...] = ([], [], [], [], [], [], [], [], [], [])
        streams, versions, ids, types, schema_versions, data, metadata, topics, keys, payloads = columns
        for append, events in zip(appends, stamped, strict=True):
            for event in events:
                event_type = self._registry.for_event(event)
                if self._validate:
                    event_type.validate(event.data)
                payload = event.to_json()  # serialised once: the outbox payload, and the metadata stored
                envelope = json.loads(payload)
                envelope.pop("data", None)
                streams.append(append.stream_id)
                versions.append(event.sequence)
                ids.append(event.id)
                types.append(event.type)
                schema_versions.append(event_type.version)
                data.append(json.dumps(event.data))
                metadata.append(json.dumps(envelope))
                topics.append(event_type.topic(self._topic_prefix))
                keys.append(append.partition_key or append.stream_id)
                payloads.append(payload)
        if not ids:
            return stamped
        try:
            await connection.execute(_APPEND, *columns)
        except asyncpg.UniqueViolationError as error:
            if error.constraint_name == _STREAM_VERSION_CONSTRAINT:
                raise ConcurrencyConflict([a.stream_id for a in appends]) from None
            raise
        return stamped


def _event_from_row(row: asyncpg.Record) -> CloudEvent:
    return CloudEvent.model_validate({**row["metadata"], "data": row["data"]})


async def stream_version(connection: Connection, stream_id: str) -> int:
    version = await connection.fetchval("SELECT max(stream_version) FROM event_store WHERE stream_id = $1", stream_id)
    return int(version or 0)


async def read_stream(connection: Connection, stream_id: str) -> list[CloudEvent]:
    rows = await connection.fetch(
        "SELECT data, metadata FROM event_store WHERE stream_id = $1 ORDER BY stream_version", stream_id
    )
    return [_event_from_row(r) for r in rows]


async def read_all(connection: Connection, after_position: int, limit: int) -> list[RecordedEvent]:
    """Events in commit-independent append order, for projection rebuilds (run with writers paused)."""
    rows = await connection.fetch(
        "SELECT global_position, stream_id, stream_version, data, metadata FROM event_store"
        " WHERE global_position > $1 ORDER BY global_position LIMIT $2",
        after_position,
        limit,
    )
    return [RecordedEvent(r["global_position"], r["stream_id"], r["stream_version"], _event_from_row(r)) for r in rows]
