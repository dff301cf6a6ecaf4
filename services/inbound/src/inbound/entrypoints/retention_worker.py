"""The retention job, run inside the service (v1.7's scheduled job never ran: it had no scheduler)."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from canonical.workers import sleep_or_stop
from inbound.adapters.retention import null_expired_payloads

log = logging.getLogger(__name__)


class RetentionWorker:
    name = "inbound-retention"

    def __init__(self, pool: asyncpg.Pool, retention_days: int, interval_s: float) -> None:
        self._pool = pool
        self._retention_days = retention_days
        self._interval_s = interval_s

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            nulled = await null_expired_payloads(self._pool, self._retention_days)
            if nulled:
                log.info("retention: nulled %d source payloads older than %d days", nulled, self._retention_days)
            await sleep_or_stop(stop, self._interval_s)
