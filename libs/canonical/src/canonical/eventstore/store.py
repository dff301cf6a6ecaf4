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
_ENVELOPE_DATA_FIELDS = frozenset({"data"})
_INSERT_EVENTS = """
    INSERT INTO event_store (stream_id, stream_version, event_id, event_type, schema_version, data, metadata)
    VALUES ($1, $2, $3::uuid, $4, $5, $6::text::jsonb, $7::text::jsonb)
"""


class ConcurrencyConflict(Exception):
    """Another writer appended to the stream since it was read; reload and decide again."""

    def __init__(self, stream_id: str, expected_version: int) -> None:
        super().__init__(f"stream {stream_id} moved past version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version


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
    ) -> list[CloudEvent]:
        """Append after `expected_version` (0 for a new stream); return the events with their sequence."""
        stamped = [e.model_copy(update={"sequence": expected_version + i}) for i, e in enumerate(events, start=1)]
        event_rows = []
        outbox_rows = []
        for event in stamped:
            event_type = self._registry.for_event(event)
            if self._validate:
                event_type.validate(event.data)
            event_rows.append(
                (
                    stream_id,
                    event.sequence,
                    event.id,
                    event.type,
                    event_type.version,
                    json.dumps(event.data),
                    json.dumps(_metadata_of(event)),
                )
            )
            outbox_rows.append((event.id, event_type.topic(self._topic_prefix), stream_id, event.to_json()))
        try:
            await connection.executemany(
                _INSERT_EVENTS,
                event_rows,
            )
        except asyncpg.UniqueViolationError as error:
            if error.constraint_name == _STREAM_VERSION_CONSTRAINT:
                raise ConcurrencyConflict(stream_id, expected_version) from None
            raise
        await connection.executemany(
            "INSERT INTO outbox (event_id, topic, partition_key, payload) VALUES ($1::uuid, $2, $3, $4)", outbox_rows
        )
        return stamped


def _metadata_of(event: CloudEvent) -> dict[str, Any]:
    envelope = json.loads(event.to_json())
    return {k: v for k, v in envelope.items() if k not in _ENVELOPE_DATA_FIELDS}


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
