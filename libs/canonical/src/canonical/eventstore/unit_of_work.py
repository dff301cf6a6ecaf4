"""The PostgreSQL unit of work every command-side service builds on.

One transaction holds the appended events, their outbox rows and every
projection they update, so a caller reads its own write at once and the world
hears about exactly what was committed. Services subclass it to attach their
repositories to the transaction's connection (`attach`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from canonical.db import Connection
from canonical.errors import Conflict
from canonical.events.domain import DomainEvent
from canonical.events.envelope import CloudEvent
from canonical.events.factory import CommandContext, new_event
from canonical.events.registry import EventRegistry
from canonical.eventstore.store import ConcurrencyConflict, EventWriter, StreamAppend

Projector = Callable[[Connection, CloudEvent], Awaitable[None]]


@dataclass(frozen=True)
class Recorded:
    """Domain events for one stream, after `expected_version`; `partition_key` as `StreamAppend`'s.

    `context`: the command these events answer, when it is not the one `record_all` is called with
    (a consumer answering a batch's events at once, each in its own request chain).
    """

    stream_id: str
    expected_version: int
    events: Sequence[DomainEvent]
    partition_key: str | None = None
    context: CommandContext | None = None


class ConcurrentChange(Conflict):
    code = "concurrent_modification"


class EventSourcedUnitOfWork:
    def __init__(
        self,
        pool: asyncpg.Pool,
        writer: EventWriter,
        registry: EventRegistry,
        *,
        source: str,
        projectors: Sequence[Projector] = (),
    ) -> None:
        self._pool = pool
        self._writer = writer
        self._registry = registry
        self._source = source
        self._projectors = projectors
        self._connection: PoolConnectionProxy | None = None
        self._transaction: asyncpg.transaction.Transaction | None = None

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._connection

    def attach(self, connection: Connection) -> None:
        """Bind the service's repositories to this transaction's connection."""

    async def __aenter__(self) -> Self:
        self._connection = await self._pool.acquire()
        self._transaction = self._connection.transaction()
        await self._transaction.start()
        self.attach(self._connection)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._transaction is None or self._connection is None:
            raise RuntimeError("unit of work exited without being entered")
        try:
            if exc_type is None:
                await self._transaction.commit()
            else:
                await self._transaction.rollback()
        finally:
            await self._pool.release(self._connection)
            self._connection = None
            self._transaction = None

    async def lock(self, name: str, *, shared: bool = False) -> None:
        """Serialise writers that decide on the same name (a stream, or a unique key) until commit.

        Shared holders exclude only exclusive ones: e.g. stock writers hold their bin and item
        shared, so they run in parallel with each other but never beside a delete of either.
        """
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        await self.connection.execute(f"SELECT {function}(hashtextextended($1, 0))", name)

    async def lock_stream(self, stream_id: str) -> int:
        """Lock the aggregate's stream for this transaction and return its current version (0: none).

        The same lock as `lock(stream_id)`; the version is read once the lock is held.
        """
        return (await self.lock_streams([stream_id]))[stream_id]

    async def lock_streams(self, stream_ids: Sequence[str], *, shared: Collection[str] = ()) -> dict[str, int]:
        """Lock the streams in the order given (the caller's global lock order) in one round trip (sql/005);
        each one's version, read once every lock is held. Those in `shared` are taken as `lock(shared=True)`."""
        versions = await self.connection.fetchval(
            "SELECT lock_streams($1::text[], $2::boolean[])", list(stream_ids), [s in shared for s in stream_ids]
        )
        return dict(zip(stream_ids, versions, strict=True))

    async def record(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[DomainEvent],
        context: CommandContext,
        *,
        partition_key: str | None = None,
    ) -> list[CloudEvent]:
        """Append to the stream, queue for Kafka and update every projection, all in this transaction."""
        [stamped] = await self.record_all([Recorded(stream_id, expected_version, events, partition_key)], context)
        return stamped

    async def record_all(self, appends: Sequence[Recorded], context: CommandContext) -> list[list[CloudEvent]]:
        """`record` for several streams in one round trip (a pick confirm appends to three): projections
        are updated afterwards, event by event in the order given."""
        envelopes = [
            StreamAppend(
                a.stream_id,
                a.expected_version,
                [
                    new_event(
                        self._registry.latest(e.event_type),
                        e.data,
                        source=self._source,
                        subject=a.stream_id,
                        context=a.context or context,
                    )
                    for e in a.events
                ],
                a.partition_key,
            )
            for a in appends
        ]
        try:
            stamped = await self._writer.append_all(self.connection, envelopes)
        except ConcurrencyConflict as conflict:
            # Handlers lock the stream first, so this only fires for a writer that skipped the lock.
            raise ConcurrentChange(f"{', '.join(conflict.stream_ids)} changed concurrently; retry.") from conflict
        for events in stamped:
            for event in events:
                for project in self._projectors:
                    await project(self.connection, event)
        return stamped
