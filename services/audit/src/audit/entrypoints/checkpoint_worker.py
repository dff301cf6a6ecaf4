"""Worker: signs a checkpoint every AUDIT_CHECKPOINT_INTERVAL_S seconds when the log grew."""

from __future__ import annotations

import asyncio
import logging

from audit.service_layer.checkpoints import sign_checkpoint
from audit.settings import Settings
from canonical.web.runtime import ServiceRuntime
from canonical.workers import sleep_or_stop

log = logging.getLogger(__name__)


class CheckpointWorker:
    name = "audit-checkpoints"

    def __init__(self, runtime: ServiceRuntime, settings: Settings) -> None:
        self._runtime = runtime
        self._key = settings.checkpoint_signing_key()
        self._interval_s = settings.audit_checkpoint_interval_s

    async def run(self, stop: asyncio.Event) -> None:
        # Failures propagate: the runtime's supervisor logs them and restarts this worker after a backoff.
        while not stop.is_set():
            await sleep_or_stop(stop, self._interval_s)
            if stop.is_set():
                return
            checkpoint = await sign_checkpoint(
                self._runtime.pool, self._key, self._runtime.writer, self._runtime.registry
            )
            if checkpoint is not None:
                log.info("signed audit checkpoint of %d entries", checkpoint.tree_size)
