"""Idempotent Kafka consumer: exactly-once effect on top of at-least-once delivery.

For each batch of records from one partition, the ids of the events are
recorded in `processed_events` in the same transaction as their effect;
events already recorded are dropped before the handler sees them. The Kafka
offset is committed only after that transaction commits, so a crash in
between redelivers events whose effect is already stored — and they are
skipped.

A record that cannot be parsed, or whose handler keeps failing, is moved to
`consumer_dead_letters` (with its processed mark, in one transaction) so one
poison event cannot stall its partition; failures of the database or broker
themselves are retried without limit instead, since no event is at fault. An
`on_dead_letter` hook runs in that transaction (e.g. to tell the sender).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from prometheus_client import Counter
from pydantic import ValidationError

from canonical.db import Connection
from canonical.events.envelope import TYPE_HEADER, CloudEvent
from canonical.workers import INFRASTRUCTURE_ERRORS, Backoff

log = logging.getLogger(__name__)

BatchHandler = Callable[[Connection, Sequence[CloudEvent]], Awaitable[None]]
# Runs in the transaction that dead-letters an event, e.g. to tell the event's sender it will not be applied.
DeadLetterHandler = Callable[[Connection, CloudEvent], Awaitable[None]]

APPLIED = Counter("wms_consumer_events_applied_total", "Events applied by a consumer", ["consumer"])
DUPLICATES = Counter("wms_consumer_duplicates_total", "Redelivered events skipped", ["consumer"])
DEAD_LETTERED = Counter("wms_consumer_dead_letters_total", "Events moved to the dead-letter table", ["consumer"])


FINAL_COMMIT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ConsumerConfig:
    name: str  # also the Kafka consumer group and the key in processed_events
    topics: Sequence[str]
    bootstrap_servers: str
    max_batch: int = 500
    handler_attempts: int = 3
    commit_interval_s: float = 1.0
    # The event types the handler applies; others on the topics are skipped unparsed (by their `ce_type`
    # header) and unrecorded: applying nothing twice is still nothing. None: every event reaches the handler.
    event_types: frozenset[str] | None = None


class PoisonEvent(Exception):
    """The handler rejects this event for good (no retry will help)."""


class ApplyOneByOne(Exception):
    """A handler that applies a batch optimistically met what it can only settle for one event alone.

    The batch's transaction rolls back and its events are applied one at a time, as after any
    failure, but this is an expected path, so it is not logged as a failure. While they are,
    `applying_alone` is true, so the handler knows to take the careful path.
    """


# True while the consumer applies a failed batch's events one at a time (see ApplyOneByOne).
applying_alone: ContextVar[bool] = ContextVar("applying_alone", default=False)


def _header(record: ConsumerRecord, name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return bytes(value).decode()
    return None


async def _run_dead_letter_hook(
    consumer: str, hook: DeadLetterHandler, connection: Connection, event: CloudEvent
) -> None:
    """Behind a savepoint: if the hook fails too, the event is still set aside (a poison event must never
    stall its partition), and the log says the hook did not run."""
    try:
        async with connection.transaction():
            await hook(connection, event)
    except INFRASTRUCTURE_ERRORS:
        raise
    except Exception as error:
        log.error("%s: dead-letter hook failed for %s: %s", consumer, event.id, error)


class IdempotentConsumer:
    def __init__(
        self,
        config: ConsumerConfig,
        pool: asyncpg.Pool,
        handle_batch: BatchHandler,
        *,
        on_dead_letter: DeadLetterHandler | None = None,
    ) -> None:
        self.name = config.name
        self._config = config
        self._pool = pool
        self._handle_batch = handle_batch
        self._on_dead_letter = on_dead_letter
        self.assigned = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            *self._config.topics,
            bootstrap_servers=self._config.bootstrap_servers,
            group_id=self._config.name,
            client_id=self._config.name,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        await consumer.start()
        # Offsets are committed at most once per interval, not after every poll: a commit is a round trip to
        # the group coordinator, and an ordered lane polled a record or two at a time spent as long on it as on
        # applying them. What a crash leaves uncommitted is delivered again and skipped (processed_events).
        uncommitted: dict[TopicPartition, int] = {}
        committed_at = time.monotonic()
        try:
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=200, max_records=self._config.max_batch)
                if consumer.assignment():
                    self.assigned.set()
                # Partitions at once: order only holds within one, and handlers already run beside other
                # replicas' partitions. Sequentially, one slow partition held back all the others.
                applied = await asyncio.gather(*(self._applied(stop, p, records) for p, records in batches.items()))
                uncommitted.update({partition: offset for partition, offset in applied if offset is not None})
                if uncommitted and time.monotonic() - committed_at >= self._config.commit_interval_s:
                    await self._commit(consumer, uncommitted)
                    uncommitted, committed_at = {}, time.monotonic()
        finally:
            # Bounded: with the broker gone, stopping must not wait on a commit that cannot happen.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(FINAL_COMMIT_TIMEOUT_S):
                    await self._commit(consumer, uncommitted)
            await consumer.stop()

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        """Commit what this member still owns; a failed commit only means redelivery, which is harmless."""
        owned = {p: o for p, o in offsets.items() if p in consumer.assignment()}
        if not owned:
            return
        try:
            await consumer.commit(owned)
        except KafkaError as error:
            log.warning(
                "%s: offsets not committed (%s); those events will be delivered again and skipped", self.name, error
            )

    async def _applied(
        self, stop: asyncio.Event, partition: TopicPartition, records: list[ConsumerRecord]
    ) -> tuple[TopicPartition, int | None]:
        """The partition and the offset to commit once its records are applied; None if `stop` came first."""
        applied = await self.apply_records(stop, partition, records)
        return partition, records[-1].offset + 1 if applied else None

    async def apply_records(
        self, stop: asyncio.Event, partition: TopicPartition, records: list[ConsumerRecord]
    ) -> bool:
        """Apply one partition's records (in order) for a caller that polls Kafka itself, e.g. a faust agent.

        True once they are applied (or dead-lettered); False if `stop` came first,
        in which case the caller must not commit their offsets.
        """
        await self._apply_until_done(stop, partition, records)
        return not stop.is_set()

    async def _apply_until_done(
        self, stop: asyncio.Event, partition: TopicPartition, records: list[ConsumerRecord]
    ) -> None:
        backoff = Backoff()
        while not stop.is_set():
            try:
                await self._apply(records)
                return
            except INFRASTRUCTURE_ERRORS as error:
                log.warning(
                    "%s: %s[%d] not applied, retrying in %.1fs: %s",
                    self.name,
                    partition.topic,
                    partition.partition,
                    backoff.current_s,
                    error,
                )
                await backoff.sleep(stop)

    def _wanted(self, event_type: str | None) -> bool:
        wanted = self._config.event_types
        return wanted is None or event_type is None or event_type in wanted

    async def _apply(self, records: list[ConsumerRecord]) -> None:
        parsed: list[tuple[ConsumerRecord, CloudEvent]] = []
        for record in records:
            if not self._wanted(_header(record, TYPE_HEADER)):
                continue
            try:
                event = CloudEvent.from_json(record.value)
                uuid.UUID(event.id)  # ids are recorded as uuid; anything else could never be marked applied
            except (ValidationError, ValueError, TypeError) as error:
                await self._dead_letter(record, None, f"unreadable envelope: {error}")
                continue
            if self._wanted(event.type):  # a record without the header (queued before it existed)
                parsed.append((record, event))
        if not parsed:
            return
        try:
            await self._apply_in_one_transaction([event for _, event in parsed])
        except INFRASTRUCTURE_ERRORS:
            raise
        except Exception as error:
            # Find the event at fault: apply one by one, each with its own retries.
            level = logging.INFO if isinstance(error, ApplyOneByOne) else logging.WARNING
            log.log(
                level, "%s: batch not applied (%s), applying its %d events one by one", self.name, error, len(parsed)
            )
            alone = applying_alone.set(True)
            try:
                for record, event in parsed:
                    await self._apply_one(record, event)
            finally:
                applying_alone.reset(alone)

    async def _apply_in_one_transaction(self, events: list[CloudEvent]) -> None:
        async with self._pool.acquire() as connection, connection.transaction():
            fresh_ids = {
                str(row["event_id"])
                for row in await connection.fetch(
                    "INSERT INTO processed_events (consumer, event_id)"
                    " SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id",
                    self.name,
                    [e.id for e in events],
                )
            }
            fresh: list[CloudEvent] = []
            for event in events:
                if event.id in fresh_ids:
                    fresh_ids.discard(event.id)  # a duplicate inside the batch is applied once
                    fresh.append(event)
            if fresh:
                await self._handle_batch(connection, fresh)
        APPLIED.labels(self.name).inc(len(fresh))
        DUPLICATES.labels(self.name).inc(len(events) - len(fresh))

    async def _apply_one(self, record: ConsumerRecord, event: CloudEvent) -> None:
        last_error: Exception | None = None
        for attempt in range(1, self._config.handler_attempts + 1):
            try:
                await self._apply_in_one_transaction([event])
                return
            except INFRASTRUCTURE_ERRORS:
                raise
            except PoisonEvent as error:
                last_error = error
                break
            except Exception as error:
                last_error = error
                log.warning("%s: event %s failed (attempt %d): %s", self.name, event.id, attempt, error)
                await asyncio.sleep(0.05 * attempt)
        await self._dead_letter(record, event, f"{type(last_error).__name__}: {last_error}")

    async def _dead_letter(self, record: ConsumerRecord, event: CloudEvent | None, error: str) -> None:
        event_id = None if event is None else event.id
        async with self._pool.acquire() as connection, connection.transaction():
            if event is not None:
                await connection.execute(
                    "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2::uuid) ON CONFLICT DO NOTHING",
                    self.name,
                    event.id,
                )
                if self._on_dead_letter is not None:
                    await _run_dead_letter_hook(self.name, self._on_dead_letter, connection, event)
            await connection.execute(
                "INSERT INTO consumer_dead_letters"
                " (consumer, event_id, topic, kafka_partition, kafka_offset, error, payload)"
                " VALUES ($1, $2::uuid, $3, $4, $5, $6, $7)",
                self.name,
                event_id,
                record.topic,
                record.partition,
                record.offset,
                error[:2000],
                record.value or b"",
            )
        DEAD_LETTERED.labels(self.name).inc()
        log.error("%s: dead-lettered %s[%d]@%d: %s", self.name, record.topic, record.partition, record.offset, error)
