"""The unit-of-work contract the command handlers depend on (PostgreSQL in production, fakes in unit tests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, Self

from canonical.events.factory import CommandContext
from inventory.domain.events import DomainEvent


class WarehouseRepository(Protocol):
    async def next_id(self) -> int: ...

    async def code_taken(self, warehouse_code: str) -> bool: ...


class UnitOfWork(Protocol):
    @property
    def warehouses(self) -> WarehouseRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: Any) -> None: ...

    async def record(
        self, stream_id: str, expected_version: int, events: Sequence[DomainEvent], context: CommandContext
    ) -> Sequence[object]: ...
