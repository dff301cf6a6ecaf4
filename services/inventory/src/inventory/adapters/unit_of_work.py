"""PostgreSQL unit of work: one transaction holds the events, their outbox rows and the projections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from canonical.db import Connection
from canonical.events.envelope import CloudEvent
from canonical.events.factory import CommandContext, new_event
from canonical.events.registry import EventRegistry
from canonical.eventstore.store import EventWriter
from inventory.adapters.repositories import WarehouseRepository
from inventory.domain.events import DomainEvent

SOURCE = "/sentry-wms/inventory"

Projector = Callable[[Connection, CloudEvent], Awaitable[None]]


class PostgresUnitOfWork:
    def __init__(
        self, pool: asyncpg.Pool, writer: EventWriter, registry: EventRegistry, projectors: Sequence[Projector]
    ) -> None:
        self._pool = pool
        self._writer = writer
        self._registry = registry
        self._projectors = projectors
        self._connection: PoolConnectionProxy | None = None
        self._transaction: asyncpg.transaction.Transaction | None = None

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._connection

    async def __aenter__(self) -> PostgresUnitOfWork:
        self._connection = await self._pool.acquire()
        self._transaction = self._connection.transaction()
        await self._transaction.start()
        self.warehouses = WarehouseRepository(self._connection)
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

    async def record(
        self, stream_id: str, expected_version: int, events: Sequence[DomainEvent], context: CommandContext
    ) -> list[CloudEvent]:
        """Append to the stream, queue for Kafka and update every projection, all in this transaction."""
        envelopes = [
            new_event(self._registry.latest(e.event_type), e.data, source=SOURCE, subject=stream_id, context=context)
            for e in events
        ]
        stamped = await self._writer.append(self.connection, stream_id, expected_version, envelopes)
        for event in stamped:
            for project in self._projectors:
                await project(self.connection, event)
        return stamped
