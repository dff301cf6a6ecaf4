"""Inventory's unit of work inside the inbound consumer's transaction.

The consumer marks a batch's events processed in one transaction and applies
them on that same connection, so the effect and the mark commit together.
Here the outermost `async with` is a savepoint on that connection instead of
a transaction of its own, so a record inventory refuses rolls back alone; the
command handlers, which open the unit of work themselves, nest inside it
without savepoints of their own (their exceptions reach the outermost level).

Without savepoints (`savepoints=False`, a batch's first attempt) the records
apply straight into the batch's transaction, two round trips fewer each on the
one ordered lane a source system's feed takes; a refusal then asks the consumer
to roll the batch back and apply its records one at a time, each with its
savepoint (`ApplyOneByOne`), so nothing is ever half-applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Self

import asyncpg

from canonical.db import Connection
from canonical.errors import DomainError
from canonical.events.registry import EventRegistry
from canonical.eventstore.consumer import ApplyOneByOne
from canonical.eventstore.store import EventWriter
from inventory.adapters.inbound.repository import PostgresInboundRepository
from inventory.adapters.unit_of_work import PostgresUnitOfWork, Projector


class SavepointUnitOfWork(PostgresUnitOfWork):
    inbound: PostgresInboundRepository

    def __init__(
        self,
        connection: Connection,
        pool: asyncpg.Pool,
        writer: EventWriter,
        registry: EventRegistry,
        projectors: Sequence[Projector],
        *,
        savepoints: bool = True,
    ) -> None:
        super().__init__(pool, writer, registry, projectors)
        self._borrowed = connection
        self._savepoints = savepoints
        self._savepoint: asyncpg.transaction.Transaction | None = None
        self._depth = 0
        self.attach(connection)

    @property
    def connection(self) -> Connection:
        return self._borrowed

    def attach(self, connection: Connection) -> None:
        super().attach(connection)
        self.inbound = PostgresInboundRepository(connection)

    async def __aenter__(self) -> Self:
        if not self._borrowed.is_in_transaction():
            raise RuntimeError("a savepoint unit of work needs the caller's transaction")
        self._depth += 1
        if self._depth == 1 and self._savepoints:
            self._savepoint = self._borrowed.transaction()
            await self._savepoint.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._depth -= 1
        if self._depth > 0:
            return  # an exception passes on to the outermost level, which rolls the savepoint back
        if not self._savepoints:
            if isinstance(exc, DomainError):  # refused after writing, perhaps: only a savepoint can undo it
                raise ApplyOneByOne(f"a record was refused ({exc.code})") from exc
            return
        savepoint, self._savepoint = self._savepoint, None
        assert savepoint is not None
        if exc_type is None:
            await savepoint.commit()
        else:
            await savepoint.rollback()
