"""Worker: sends due webhook deliveries, at most DISPATCHER_MAX_CONCURRENT_POSTS at a time.

It wakes when the fan-out of this process has committed new attempts (a direct
call, no database round trip), on the `webhook_deliveries` notification (the
fan-out of another process, a replay), when a send finishes (a slot is free), and at least
every DISPATCHER_FALLBACK_POLL_MS, which is how retries scheduled for later are
noticed. It only claims as many attempts as it has free slots, so a claimed
attempt starts sending at once and its `attempted_at` bounds how long it can
stay in flight: what is older than that lease was left behind by a worker that
died, and is handed back (at boot and then periodically).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import asyncpg

from canonical.web.runtime import ServiceRuntime
from canonical.workers import INFRASTRUCTURE_ERRORS, Backoff
from dispatcher.adapters.delivery_store import (
    NOTIFY_CHANNEL,
    PROCESS_TOKEN,
    ClaimedAttempt,
    claim_due,
    reclaim_stale,
)
from dispatcher.adapters.secret_box import SecretBox
from dispatcher.adapters.ssrf import DestinationGuard
from dispatcher.adapters.webhook_sender import WebhookSender
from dispatcher.service_layer.delivery import Deliverer, DeliveryPolicy
from dispatcher.service_layer.journal import SubscriptionJournal
from dispatcher.settings import Settings

log = logging.getLogger(__name__)

# Beyond the send's own bounds (DNS + the wall-clock timeout): settling the row, scheduling hiccups.
IN_FLIGHT_GRACE_S = 30.0
RECLAIM_INTERVAL_S = 30.0


class DeliveryWorker:
    name = "webhook-delivery"

    def __init__(
        self,
        runtime: ServiceRuntime,
        settings: Settings,
        guard: DestinationGuard,
        secret_box: SecretBox,
    ) -> None:
        self._runtime = runtime
        self._pool: asyncpg.Pool = runtime.pool
        self._policy = DeliveryPolicy(settings.retry_schedule(), settings.breaker_policy())
        self._settings = settings
        self._guard = guard
        self._secret_box = secret_box
        self._max_concurrent = settings.dispatcher_max_concurrent_posts
        self._poll_interval_s = settings.dispatcher_fallback_poll_ms / 1000
        self._lease = timedelta(
            milliseconds=settings.dispatcher_http_connect_timeout_ms + settings.dispatcher_http_timeout_ms,
            seconds=IN_FLIGHT_GRACE_S,
        )
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Look for due attempts now: the fan-out in this process calls it when it has queued some.

        Thread-safe (faust may call from its own thread). The database notification
        still wakes workers of other processes, and this one for replays.
        """
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        listener = await self._pool.acquire()
        await listener.add_listener(NOTIFY_CHANNEL, self._on_notify)
        try:
            async with WebhookSender(
                connect_timeout_s=self._settings.dispatcher_http_connect_timeout_ms / 1000,
                read_timeout_s=self._settings.dispatcher_http_read_timeout_ms / 1000,
                total_timeout_s=self._settings.dispatcher_http_timeout_ms / 1000,
            ) as sender:
                deliverer = Deliverer(
                    self._pool,
                    self._guard,
                    self._secret_box,
                    sender,
                    self._policy,
                    SubscriptionJournal(self._runtime.writer, self._runtime.registry),
                )
                sending: set[asyncio.Task[None]] = set()
                try:
                    await self._dispatch(stop, deliverer, sending)
                finally:
                    await _drain(sending)
        finally:
            await listener.remove_listener(NOTIFY_CHANNEL, self._on_notify)
            await self._pool.release(listener)

    def _on_notify(self, _connection: object, _pid: int, _channel: str, payload: object) -> None:
        if payload != PROCESS_TOKEN:  # our own fan-out woke us directly already
            self._wake.set()

    async def _dispatch(self, stop: asyncio.Event, deliverer: Deliverer, sending: set[asyncio.Task[None]]) -> None:
        loop = asyncio.get_running_loop()
        backoff = Backoff(ceiling_s=5.0)
        next_reclaim_at = loop.time()
        while not stop.is_set():
            self._wake.clear()  # before claiming: a wake-up during the claim means "look again"
            try:
                if loop.time() >= next_reclaim_at:
                    reclaimed = await reclaim_stale(self._pool, self._lease)
                    if reclaimed:
                        log.warning(
                            "%d webhook deliveries left in flight by a stopped worker are pending again", reclaimed
                        )
                    next_reclaim_at = loop.time() + RECLAIM_INTERVAL_S
                free_slots = self._max_concurrent - len(sending)
                claimed = (
                    await claim_due(self._pool, free_slots, half_open_after=self._policy.breaker.failure_threshold)
                    if free_slots > 0
                    else []
                )
                backoff.reset()
            except INFRASTRUCTURE_ERRORS as error:
                log.warning("cannot claim webhook deliveries, retrying in %.1fs: %s", backoff.current_s, error)
                await backoff.sleep(stop)
                continue
            for attempt in claimed:
                task = asyncio.create_task(_send(deliverer, attempt), name=f"webhook-delivery-{attempt.delivery_id}")
                sending.add(task)
                task.add_done_callback(sending.discard)
                task.add_done_callback(lambda _: self._wake.set())
            await self._wait_for_work(stop)

    async def _wait_for_work(self, stop: asyncio.Event) -> None:
        waiters = {asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())}
        _, pending = await asyncio.wait(waiters, timeout=self._poll_interval_s, return_when=asyncio.FIRST_COMPLETED)
        for waiter in pending:
            waiter.cancel()


async def _send(deliverer: Deliverer, attempt: ClaimedAttempt) -> None:
    try:
        await deliverer.deliver(attempt)
    except INFRASTRUCTURE_ERRORS as error:
        log.warning("delivery %d stays in flight until its lease ends: %s", attempt.delivery_id, error)
    except Exception:  # one delivery must never take the worker down
        log.exception("delivery %d failed unexpectedly; it stays in flight until its lease ends", attempt.delivery_id)


async def _drain(sending: set[asyncio.Task[None]]) -> None:
    """Let sends in progress finish (each is bounded by the HTTP timeout); cancel them if we are cancelled."""
    if not sending:
        return
    in_progress = set(sending)
    try:
        await asyncio.wait(in_progress)
    except asyncio.CancelledError:
        for task in in_progress:
            task.cancel()
        await asyncio.gather(*in_progress, return_exceptions=True)
        raise
