"""The inventory unit of work: the shared event-sourced transaction plus inventory's repositories.

When the client sent X-Request-ID, the command claims it inside the same
transaction, so a repeated request is answered from storage and applies once.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Self

import asyncpg

from canonical.db import Connection
from canonical.events.registry import EventRegistry
from canonical.eventstore.store import EventWriter
from canonical.eventstore.unit_of_work import ConcurrentChange, EventSourcedUnitOfWork, Projector
from inventory.adapters.idempotency import RequestClaim, claim
from inventory.adapters.repositories.catalog import CatalogRepository
from inventory.adapters.repositories.control import AdjustmentRepository, CountRepository
from inventory.adapters.repositories.imports import ImportSupport
from inventory.adapters.repositories.orders import SalesOrderRepository
from inventory.adapters.repositories.picking import PickingRepository
from inventory.adapters.repositories.receiving import ReceivingRepository
from inventory.adapters.repositories.stock import StockRepository

SOURCE = "/sentry-wms/inventory"

__all__ = ["SOURCE", "ConcurrentChange", "PostgresUnitOfWork", "Projector"]


class PostgresUnitOfWork(EventSourcedUnitOfWork):
    catalog: CatalogRepository
    stock: StockRepository
    receiving: ReceivingRepository
    orders: SalesOrderRepository
    picking: PickingRepository
    counts: CountRepository
    adjustments: AdjustmentRepository
    imports: ImportSupport

    def __init__(
        self,
        pool: asyncpg.Pool,
        writer: EventWriter,
        registry: EventRegistry,
        projectors: Sequence[Projector],
        request: RequestClaim | None = None,
    ) -> None:
        super().__init__(pool, writer, registry, source=SOURCE, projectors=projectors)
        self._request = request

    def attach(self, connection: Connection) -> None:
        self.catalog = CatalogRepository(connection)
        self.stock = StockRepository(connection)
        self.receiving = ReceivingRepository(connection)
        self.orders = SalesOrderRepository(connection)
        self.picking = PickingRepository(connection)
        self.counts = CountRepository(connection)
        self.adjustments = AdjustmentRepository(connection)
        self.imports = ImportSupport(connection)

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        if self._request is not None:
            try:
                await claim(self.connection, self._request)
            except BaseException:
                await self.__aexit__(*sys.exc_info())
                raise
        return self
