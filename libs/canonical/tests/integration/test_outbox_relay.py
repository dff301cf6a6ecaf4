import asyncio
from collections import defaultdict

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from canonical.events.envelope import TYPE_HEADER, CloudEvent
from canonical.events.registry import topic_name
from canonical.eventstore.relay import OutboxRelay
from canonical.eventstore.store import EventWriter
from canonical.kafka import create_producer, ensure_topics
from canonical.testing import eventually, kafka_bootstrap

from .events import warehouse_created

pytestmark = pytest.mark.integration


async def read_topic(topic: str, count: int, timeout_s: float = 20.0) -> list[tuple[bytes, CloudEvent]]:
    """The records' keys and events; each record's headers name its event's type."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka_bootstrap(), auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    received: list[tuple[bytes, CloudEvent]] = []
    try:
        async with asyncio.timeout(timeout_s):
            while len(received) < count:
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    for record in records:
                        event = CloudEvent.from_json(record.value)
                        assert (TYPE_HEADER, event.type.encode()) in record.headers
                        received.append((record.key, event))
    finally:
        await consumer.stop()
    return received


@pytest.fixture
async def producer(topic_prefix: str) -> AIOKafkaProducer:
    await ensure_topics(kafka_bootstrap(), [topic_name(topic_prefix, "catalog")], partitions=3, replication_factor=1)
    producer = create_producer(kafka_bootstrap(), "relay-test")
    await producer.start()
    yield producer
    await producer.stop()


async def test_committed_events_reach_kafka_keyed_by_stream_in_stream_order(
    pool: asyncpg.Pool, writer: EventWriter, producer: AIOKafkaProducer, topic_prefix: str
) -> None:
    for warehouse_id in range(1, 6):
        for version in range(3):
            async with pool.acquire() as connection, connection.transaction():
                await writer.append(connection, f"warehouse-{warehouse_id}", version, [warehouse_created(warehouse_id)])
    relay = OutboxRelay(pool, producer, batch_size=4)
    while await relay.drain_once():
        pass
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0

    received = await read_topic(topic_name(topic_prefix, "catalog"), 15)
    sequences: dict[bytes, list[int]] = defaultdict(list)
    for key, event in received:
        assert key == (event.subject or "").encode()
        sequences[key].append(event.sequence or 0)
    assert all(seq == [1, 2, 3] for seq in sequences.values())
    assert len(sequences) == 5


async def test_an_uncommitted_writer_is_neither_waited_for_nor_skipped(
    pool: asyncpg.Pool, writer: EventWriter, producer: AIOKafkaProducer, topic_prefix: str
) -> None:
    # The slow writer takes the lower outbox id, the fast one commits first: a relay
    # that remembered "last id published" would lose the slow writer's event.
    slow = await pool.acquire()
    slow_transaction = slow.transaction()
    await slow_transaction.start()
    await writer.append(slow, "warehouse-1", 0, [warehouse_created(1)])
    async with pool.acquire() as connection, connection.transaction():
        await writer.append(connection, "warehouse-2", 0, [warehouse_created(2)])

    relay = OutboxRelay(pool, producer)
    assert await relay.drain_once() == 1
    await slow_transaction.commit()
    await pool.release(slow)
    assert await relay.drain_once() == 1

    received = await read_topic(topic_name(topic_prefix, "catalog"), 2)
    assert sorted(e.subject or "" for _, e in received) == ["warehouse-1", "warehouse-2"]


async def test_the_running_relay_wakes_on_commit(
    pool: asyncpg.Pool, writer: EventWriter, producer: AIOKafkaProducer
) -> None:
    stop = asyncio.Event()
    relay = OutboxRelay(pool, producer, poll_interval_s=30)  # only the notification can wake it in time
    task = asyncio.create_task(relay.run(stop))
    try:
        await asyncio.sleep(0.2)
        async with pool.acquire() as connection, connection.transaction():
            await writer.append(connection, "warehouse-1", 0, [warehouse_created(1)])

        async def outbox_empty() -> bool:
            return bool(await pool.fetchval("SELECT count(*) FROM outbox") == 0)

        await eventually(outbox_empty, timeout_s=5)
    finally:
        stop.set()
        await task
