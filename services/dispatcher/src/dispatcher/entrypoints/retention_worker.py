"""The delivery retention job, run inside the service at boot and then every six hours (v1.7's never ran)."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from canonical.workers import INFRASTRUCTURE_ERRORS, sleep_or_stop
from dispatcher.adapters.retention import delete_expired_deliveries

log = logging.getLogger(__name__)

RETENTION_INTERVAL_S = 6 * 3600.0
RETRY_AFTER_ERROR_S = 60.0


class DeliveryRetentionWorker:
    name = "webhook-delivery-retention"

    def __init__(self, pool: asyncpg.Pool, retention_days: int, interval_s: float = RETENTION_INTERVAL_S) -> None:
        self._pool = pool
        self._retention_days = retention_days
        self._interval_s = interval_s

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                deleted = await delete_expired_deliveries(self._pool, self._retention_days)
            except INFRASTRUCTURE_ERRORS as error:
                log.warning("delivery retention failed, retrying in %.0fs: %s", RETRY_AFTER_ERROR_S, error)
                await sleep_or_stop(stop, RETRY_AFTER_ERROR_S)
                continue
            if deleted:
                log.info("retention: deleted %d webhook attempts older than %d days", deleted, self._retention_days)
            await sleep_or_stop(stop, self._interval_s)
