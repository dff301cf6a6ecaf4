"""What a running service holds: its pool, its Kafka producer and its workers.

Kafka may come up after the service (the dev stack starts them together; in
Kubernetes either may restart): the service then serves /healthz, answers 503
on /readyz and keeps trying; its workers start once the broker answers. Every
worker is supervised: if it fails it is restarted after a backoff, and on
shutdown each gets a bounded time to finish what it holds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from canonical.config.settings import ServiceSettings
from canonical.db import create_pool
from canonical.events.registry import EventRegistry, default_registry, topic_name
from canonical.eventstore.relay import OutboxRelay
from canonical.eventstore.store import EventWriter
from canonical.kafka import create_producer, ensure_topics
from canonical.workers import INFRASTRUCTURE_ERRORS, Backoff, Worker

log = logging.getLogger(__name__)

_DATABASE_PROBE_ERRORS: tuple[type[BaseException], ...] = (asyncpg.PostgresError, RuntimeError, *INFRASTRUCTURE_ERRORS)

WorkerFactory = Callable[["ServiceRuntime"], Sequence[Worker]]


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        registry: EventRegistry | None = None,
        make_workers: WorkerFactory | None = None,
    ) -> None:
        self.settings = settings
        self.registry = registry or default_registry()
        self.writer = EventWriter(
            self.registry, settings.kafka_topic_prefix, validate=settings.sentry_validate_event_schemas
        )
        self.kafka_ready = asyncio.Event()
        self.stop_event = asyncio.Event()
        self._make_workers = make_workers
        self._pool: asyncpg.Pool | None = None
        self._producer: AIOKafkaProducer | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the runtime is not started")
        return self._pool

    @property
    def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("Kafka is not connected yet")
        return self._producer

    def topics(self) -> list[str]:
        return sorted(topic_name(self.settings.kafka_topic_prefix, c) for c in self.registry.contexts())

    async def start(self) -> None:
        """Return at once: connections are opened on first use and Kafka is joined in the background.

        Start-up never blocks on a dependency, so the process answers /healthz,
        reports what it waits for on /readyz, and stops promptly on SIGTERM
        even while PostgreSQL or Kafka is down.
        """
        self._pool = await create_pool(
            self.settings.database_url.get_secret_value(), min_size=0, max_size=self.settings.database_pool_max
        )
        self._spawn(self._connect_kafka_and_start_workers(), "kafka-connect")

    async def stop(self) -> None:
        self.stop_event.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=self.settings.shutdown_drain_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._producer is not None:
            await self._producer.stop()
        if self._pool is not None:
            try:
                # close() waits for every connection to come back; one held by a task cancelled mid-query
                # never does, and shutdown must not hang on it.
                await asyncio.wait_for(self._pool.close(), timeout=self.settings.shutdown_drain_s)
            except TimeoutError:
                log.warning("database connections still in use after %ss; closing them", self.settings.shutdown_drain_s)
                self._pool.terminate()

    async def readiness(self) -> dict[str, str]:
        checks = {"database": "ok", "kafka": "ok"}
        try:
            await asyncio.wait_for(self.pool.fetchval("SELECT 1"), timeout=1.0)
        except _DATABASE_PROBE_ERRORS:
            checks["database"] = "unavailable"
        if not self.kafka_ready.is_set():
            checks["kafka"] = "connecting"
        else:
            try:
                await asyncio.wait_for(self.producer.client.fetch_all_metadata(), timeout=1.0)
            except INFRASTRUCTURE_ERRORS:
                checks["kafka"] = "unavailable"
        return checks

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(coroutine, name=name))

    async def _connect_kafka_and_start_workers(self) -> None:
        backoff = Backoff(ceiling_s=5.0)
        while not self.stop_event.is_set():
            producer = create_producer(self.settings.kafka_bootstrap_servers, self.settings.service_name)
            try:
                await producer.start()
                await ensure_topics(
                    self.settings.kafka_bootstrap_servers,
                    self.topics(),
                    partitions=self.settings.kafka_topic_partitions,
                    replication_factor=self.settings.kafka_replication_factor,
                )
            except INFRASTRUCTURE_ERRORS as error:
                await producer.stop()
                log.warning("Kafka not reachable yet (%s); retrying in %.1fs", error, backoff.current_s)
                await backoff.sleep(self.stop_event)
                continue
            self._producer = producer
            break
        else:
            return
        self.kafka_ready.set()
        log.info("connected to Kafka at %s", self.settings.kafka_bootstrap_servers)
        workers: list[Worker] = [
            OutboxRelay(
                self.pool,
                self.producer,
                batch_size=self.settings.outbox_batch_size,
                poll_interval_s=self.settings.outbox_poll_interval_ms / 1000,
            )
        ]
        if self._make_workers is not None:
            workers += self._make_workers(self)
        for worker in workers:
            self._spawn(self._supervise(worker), worker.name)

    async def _supervise(self, worker: Worker) -> None:
        backoff = Backoff(ceiling_s=10.0)
        while not self.stop_event.is_set():
            try:
                await worker.run(self.stop_event)
                backoff.reset()
            except asyncio.CancelledError:
                raise
            except Exception:  # a worker must never take the service down with it
                log.exception("worker %s failed; restarting in %.1fs", worker.name, backoff.current_s)
                await backoff.sleep(self.stop_event)
