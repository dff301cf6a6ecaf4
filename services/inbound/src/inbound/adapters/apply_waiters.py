"""Read-your-writes: a POST waits (bounded) until the owning service has applied its record.

Waiting requests are futures keyed by inbound id. One LISTEN connection per
process wakes them when the outcome consumer — on this replica or another —
commits an outcome (its NOTIFY is delivered at commit). A request reads the
record's state once after registering (the outcome may have come first) and
once when woken: no polling. Without the listener (database connection lost,
Kafka not joined yet) requests simply wait out their bound and answer 202.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from canonical.db import Connection, listening
from canonical.workers import wait_for_any
from inbound.adapters.apply_state import APPLIED_CHANNEL, RecordStatus, record_status

log = logging.getLogger(__name__)


class ApplyWaiters:
    def __init__(self) -> None:
        self._waiting: dict[int, set[asyncio.Future[None]]] = {}

    def wake(self, inbound_id: int) -> None:
        for future in self._waiting.pop(inbound_id, set()):
            if not future.done():
                future.set_result(None)

    async def outcome(self, pool: asyncpg.Pool, inbound_id: int, timeout_s: float) -> RecordStatus | None:
        """The record's status once it left `pending`, or still pending when `timeout_s` ran out."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(inbound_id, set()).add(future)
        try:
            status = await record_status(pool, inbound_id)
            if status is None or status.apply_state != "pending" or timeout_s <= 0:
                return status
            try:
                await asyncio.wait_for(future, timeout_s)
            except TimeoutError:
                return status
            return await record_status(pool, inbound_id)
        finally:
            waiting = self._waiting.get(inbound_id)
            if waiting is not None:
                waiting.discard(future)
                if not waiting:
                    del self._waiting[inbound_id]


class ApplyListener:
    """Holds one pooled connection LISTENing on the outcome channel; restarted by the runtime if it drops."""

    name = "inbound-apply-listener"

    def __init__(self, pool: asyncpg.Pool, waiters: ApplyWaiters) -> None:
        self._pool = pool
        self._waiters = waiters

    def _notified(self, _connection: Connection, _pid: int, _channel: str, payload: object) -> None:
        with contextlib.suppress(ValueError):
            self._waiters.wake(int(str(payload)))

    async def run(self, stop: asyncio.Event) -> None:
        async with listening(self._pool, APPLIED_CHANNEL, self._notified) as lost:
            await wait_for_any(stop, lost)
