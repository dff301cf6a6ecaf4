"""Read-your-writes: a POST waits (bounded) until the owning service has applied its record.

Waiting requests are futures keyed by inbound id. One LISTEN connection per
process wakes them when the outcome consumer — on this replica or another —
commits an outcome (its NOTIFY, delivered at commit, says `<id>:<state>`). An
outcome that arrives before its request starts waiting is kept for it (a
bounded set of recent ones), so a request never reads the record to learn
that it was applied; it reads once for a refusal's details, and once when its
bound runs out (the listener may have been down: the record may be applied).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from dataclasses import dataclass

import asyncpg

from canonical.db import Connection, listening
from canonical.workers import wait_for_any
from inbound.adapters.apply_state import APPLIED_CHANNEL, RecordStatus, record_status

log = logging.getLogger(__name__)


class ApplyWaiters:
    # Outcomes nobody waited for yet: every replica hears every outcome, and one may beat its own request
    # to the wait. A request looks for its outcome microseconds after its record committed, so this many
    # recent ones is plenty; older ones are dropped first.
    UNCLAIMED_KEPT = 10_000

    def __init__(self) -> None:
        self._waiting: dict[int, set[asyncio.Future[str]]] = {}
        self._unclaimed: OrderedDict[int, str] = OrderedDict()

    def wake(self, inbound_id: int, state: str) -> None:
        futures = self._waiting.pop(inbound_id, None)
        if futures is None:
            self._unclaimed[inbound_id] = state
            if len(self._unclaimed) > self.UNCLAIMED_KEPT:
                self._unclaimed.popitem(last=False)
            return
        for future in futures:
            if not future.done():
                future.set_result(state)

    async def outcome(self, pool: asyncpg.Pool, inbound_id: int, timeout_s: float) -> Outcome:
        """How inventory took the record (`applied`, or `rejected` with its status), or `pending` when
        `timeout_s` ran out first."""
        state = self._unclaimed.pop(inbound_id, None)  # no await before registering: nothing slips between
        if state is None:
            future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._waiting.setdefault(inbound_id, set()).add(future)
            try:
                state = await asyncio.wait_for(future, timeout_s) if timeout_s > 0 else None
            except TimeoutError:
                state = None
            finally:
                waiting = self._waiting.get(inbound_id)
                if waiting is not None:
                    waiting.discard(future)
                    if not waiting:
                        del self._waiting[inbound_id]
        if state == "applied":
            return Outcome("applied")
        status = await record_status(pool, inbound_id)  # a refusal's details, or a wake the listener missed
        return Outcome("pending" if status is None else status.apply_state, status)


@dataclass(frozen=True)
class Outcome:
    apply_state: str  # applied | rejected | pending
    status: RecordStatus | None = None  # read for a refusal (its error) and after a timeout


class ApplyListener:
    """Holds one pooled connection LISTENing on the outcome channel; restarted by the runtime if it drops."""

    name = "inbound-apply-listener"

    def __init__(self, pool: asyncpg.Pool, waiters: ApplyWaiters) -> None:
        self._pool = pool
        self._waiters = waiters

    def _notified(self, _connection: Connection, _pid: int, _channel: str, payload: object) -> None:
        inbound_id, _, state = str(payload).partition(":")
        with contextlib.suppress(ValueError):
            self._waiters.wake(int(inbound_id), state)

    async def run(self, stop: asyncio.Event) -> None:
        async with listening(self._pool, APPLIED_CHANNEL, self._notified) as lost:
            await wait_for_any(stop, lost)
