"""The event -> delivery fan-out as a faust-streaming agent over every context topic.

faust joins the consumer group, assigns partitions and hands the agent batches
of events; the effect (numbering the events, queueing deliveries, marking the
events processed) is one PostgreSQL transaction per partition batch, through
the platform's IdempotentConsumer, so a redelivered event changes nothing.

Offsets: faust acks a `take_events` batch when the agent asks for the next one,
and also when the agent is cancelled or fails mid-batch (its `finally`). An
offset committed for an event whose transaction did not commit would lose that
event, so each message gets one extra reference while it is being applied and
gives it back only after the commit: faust's own ack then cannot bring the
count to zero (= committable) for an event that was not applied, and the next
process gets it again.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable, Sequence

import faust
from aiokafka import ConsumerRecord, TopicPartition
from faust.types import EventT, StreamT

from canonical.db import Connection
from canonical.events.envelope import CloudEvent
from canonical.eventstore.consumer import ConsumerConfig, IdempotentConsumer
from canonical.web.runtime import ServiceRuntime
from canonical.workers import INFRASTRUCTURE_ERRORS, sleep_or_stop
from dispatcher.service_layer.ceilings import enforce_pending_ceilings
from dispatcher.service_layer.fanout import fan_out
from dispatcher.service_layer.journal import SubscriptionJournal

CONSUMER_NAME = "dispatcher-fanout"
MAX_BATCH = 500
BATCH_WINDOW_S = 0.025  # how long a partial batch waits for company: latency vs. transactions per event
COMMIT_INTERVAL_S = 1.0
# The pending-ceiling check counts each subscription's backlog (up to its ceiling): on a timer, not per
# batch, or a growing backlog would make every batch slower. A backlog can overshoot by one interval's events.
CEILING_CHECK_INTERVAL_S = 5.0

log = logging.getLogger(__name__)


def _record(event: EventT[bytes]) -> ConsumerRecord[bytes, bytes]:
    message = event.message
    return ConsumerRecord(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        timestamp=int(message.timestamp * 1000),
        timestamp_type=message.timestamp_type,
        key=message.key,
        value=message.value,
        checksum=None,
        serialized_key_size=message.serialized_key_size,
        serialized_value_size=message.serialized_value_size,
        headers=tuple(message.headers or ()),
    )


class FanoutAgent:
    """A runtime worker that runs a faust app with one agent, until the service stops."""

    name = CONSUMER_NAME

    def __init__(self, runtime: ServiceRuntime, on_queued: Callable[[], None] = lambda: None) -> None:
        settings = runtime.settings
        self._topics = runtime.topics()
        self._bootstrap = settings.kafka_bootstrap_servers
        # The group carries the topic prefix, so deployments (and test sessions) sharing a broker never share it.
        self._group = f"{settings.kafka_topic_prefix}{CONSUMER_NAME}"
        self._partitions = settings.kafka_topic_partitions
        self._replication = settings.kafka_replication_factor

        async def handle(connection: Connection, events: Sequence[CloudEvent]) -> None:
            await fan_out(connection, events, runtime.registry)

        # Used for its exactly-once apply (dedupe + effect in one transaction, dead letters), not its poll loop.
        self._applier = IdempotentConsumer(
            ConsumerConfig(CONSUMER_NAME, self._topics, self._bootstrap), runtime.pool, handle
        )
        self._pool = runtime.pool
        self._journal = SubscriptionJournal(runtime.writer, runtime.registry)
        self._on_queued = on_queued  # wakes this process's delivery worker once a batch is committed
        self._stop = asyncio.Event()

    def _app(self, datadir: str) -> faust.App:
        app = faust.App(
            self._group,
            broker=[f"kafka://{host.strip()}" for host in self._bootstrap.split(",")],
            web_enabled=False,
            autodiscover=False,
            store="memory://",
            # faust creates its data directory even with in-memory tables; its default is the working directory.
            datadir=datadir,
            topic_partitions=self._partitions,
            topic_replication_factor=self._replication,
            consumer_auto_offset_reset="earliest",
            broker_commit_interval=COMMIT_INTERVAL_S,
            # Stopping mid-batch leaves its messages referenced (unapplied, see the module docstring), and faust's
            # default stop waited for every message to be acknowledged: for ever, spinning gc.collect() each
            # second (it hung a test session's teardown). Applying is idempotent, so a stop need not wait:
            # what was not committed is consumed again and skipped where it was already applied.
            stream_wait_empty=False,
        )
        topic = app.topic(*self._topics, value_type=bytes, value_serializer="raw", key_serializer="raw")
        app.agent(topic, name=CONSUMER_NAME)(self._fan_out)
        return app

    async def _fan_out(self, stream: StreamT[bytes]) -> None:
        assert isinstance(stream, faust.Stream)  # take_events is on the implementation, not the protocol
        async for events in stream.take_events(MAX_BATCH, within=BATCH_WINDOW_S):
            for event in events:
                event.message.incref()  # released only once applied (see the module docstring)
            by_partition: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]] = {}
            for event in events:
                record = _record(event)
                by_partition.setdefault(TopicPartition(record.topic, record.partition), []).append(record)
            for partition, records in by_partition.items():
                if not await self._applier.apply_records(self._stop, partition, records):
                    return  # stopping: these stay uncommitted and are consumed again
            self._on_queued()
            for event in events:
                event.message.decref()

    async def _check_ceilings(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await enforce_pending_ceilings(self._pool, self._journal)
            except INFRASTRUCTURE_ERRORS as error:  # checked again at the next interval
                log.warning("pending ceilings not checked: %s", error)
            await sleep_or_stop(stop, CEILING_CHECK_INTERVAL_S)

    async def run(self, stop: asyncio.Event) -> None:
        self._stop = stop
        with tempfile.TemporaryDirectory(prefix=f"{self._group}-") as datadir:
            app = self._app(datadir)
            await app.start()
            ceilings = asyncio.create_task(self._check_ceilings(stop), name="pending-ceilings")
            try:
                await stop.wait()
            finally:
                ceilings.cancel()  # between two checks, or mid-check (its transaction rolls back)
                await asyncio.gather(ceilings, return_exceptions=True)
                await app.stop()
