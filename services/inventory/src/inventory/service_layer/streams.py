"""Loading an aggregate for a command: lock its stream, then read its current state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from canonical.errors import NotFound
from inventory.service_layer.unit_of_work import UnitOfWork

T = TypeVar("T")


async def load_locked(
    uow: UnitOfWork, stream_id: str, load: Callable[[], Awaitable[T | None]], missing: str
) -> tuple[int, T]:
    """(stream version, state) of an existing aggregate, locked until commit; 404 `missing` otherwise."""
    version = await uow.lock_stream(stream_id)
    state = await load()
    if state is None:
        raise NotFound(f"{missing}.", legacy_error=missing)
    return version, state
