"""Outbox relay: moves committed outbox rows to Kafka, in order, at least once.

Why it is safe:
- rows become visible only at commit, and the relay locks what it can see
  with FOR UPDATE SKIP LOCKED, so it never waits on, nor skips past, an
  uncommitted writer (a bigserial id is allocated before commit, so "every id
  above the last one published" would lose rows);
- one relay at a time per database (a transaction-scoped advisory lock), so
  replicas cannot publish two events of one aggregate out of order;
- a row is deleted only after the broker acknowledged it (acks=all); a crash
  in between republishes it, and consumers drop the duplicate by event id.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaProducer
from prometheus_client import Counter, Histogram

from canonical.events.envelope import CONTENT_TYPE, TYPE_HEADER
from canonical.workers import INFRASTRUCTURE_ERRORS, Backoff

log = logging.getLogger(__name__)

_RELAY_LOCK_KEY = 7_404_202_602

# The relay runs no business logic: any database error is worth another round.
RELAY_RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (*INFRASTRUCTURE_ERRORS, asyncpg.PostgresError)

PUBLISHED = Counter("wms_outbox_published_total", "Events the relay published to Kafka", ["topic"])
PUBLISH_LAG = Histogram(
    "wms_outbox_publish_lag_seconds",
    "Time from outbox insert to broker acknowledgement",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RELAY_FAILURES = Counter("wms_outbox_relay_failures_total", "Relay rounds that failed and will be retried")


def event_headers(event_type: str | None) -> list[tuple[str, bytes]]:
    """Structured CloudEvents (the whole event is the payload); the type rides along as `ce_type` so a
    consumer can skip types it does not apply without parsing them (see IdempotentConsumer)."""
    headers = [("content-type", CONTENT_TYPE.encode())]
    if event_type is not None:  # rows queued by a release before outbox.event_type existed
        headers.append((TYPE_HEADER, event_type.encode()))
    return headers


class OutboxRelay:
    name = "outbox-relay"

    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        *,
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        listener = await self._pool.acquire()
        await listener.add_listener("outbox", self._on_notify)
        try:
            backoff = Backoff(ceiling_s=5.0)
            while not stop.is_set():
                try:
                    published = await self.drain_once()
                    backoff.reset()
                except RELAY_RETRYABLE_ERRORS as error:
                    RELAY_FAILURES.inc()
                    log.warning("outbox relay round failed, retrying in %.1fs: %s", backoff.current_s, error)
                    await backoff.sleep(stop)
                    continue
                if published < self._batch_size:
                    await self._wait_for_work(stop)
        finally:
            await listener.remove_listener("outbox", self._on_notify)
            await self._pool.release(listener)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _wait_for_work(self, stop: asyncio.Event) -> None:
        waiters = {asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())}
        _, pending = await asyncio.wait(waiters, timeout=self._poll_interval_s, return_when=asyncio.FIRST_COMPLETED)
        for waiter in pending:
            waiter.cancel()
        self._wake.clear()

    async def drain_once(self) -> int:
        """Publish one batch; return how many rows were published."""
        async with self._pool.acquire() as connection, connection.transaction():
            if not await connection.fetchval("SELECT pg_try_advisory_xact_lock($1)", _RELAY_LOCK_KEY):
                return 0
            rows = await connection.fetch(
                "SELECT id, event_type, topic, partition_key, payload, created_at FROM outbox"
                " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                self._batch_size,
            )
            if not rows:
                return 0
            deliveries = [
                await self._producer.send(
                    row["topic"],
                    value=bytes(row["payload"]),
                    key=row["partition_key"].encode(),
                    headers=event_headers(row["event_type"]),
                )
                for row in rows
            ]
            await asyncio.gather(*deliveries)
            await connection.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", [r["id"] for r in rows])
        acknowledged_at = datetime.now(UTC)
        for row in rows:
            PUBLISHED.labels(row["topic"]).inc()
            PUBLISH_LAG.observe((acknowledged_at - row["created_at"]).total_seconds())
        return len(rows)
