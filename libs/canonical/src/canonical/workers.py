"""Background workers run inside a service process (outbox relay, consumers)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

import asyncpg
from aiokafka.errors import KafkaError

# Failures of the database or the broker themselves: no event or row is at
# fault, so the work is retried (with backoff) rather than given up on.
INFRASTRUCTURE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
    KafkaError,
)


class Worker(Protocol):
    name: str

    async def run(self, stop: asyncio.Event) -> None: ...


class Backoff:
    """Doubling delay between retries, reset after a success."""

    def __init__(self, first_s: float = 0.1, ceiling_s: float = 10.0) -> None:
        self._first_s = first_s
        self._ceiling_s = ceiling_s
        self.current_s = first_s

    def reset(self) -> None:
        self.current_s = self._first_s

    async def sleep(self, stop: asyncio.Event) -> None:
        await sleep_or_stop(stop, self.current_s)
        self.current_s = min(self.current_s * 2, self._ceiling_s)


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def wait_for_any(*events: asyncio.Event) -> None:
    """Return once any of the events is set (e.g. stop, or a lost connection)."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
