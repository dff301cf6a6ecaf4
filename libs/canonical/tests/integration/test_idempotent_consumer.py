import asyncio
from collections.abc import Sequence

import asyncpg
import pytest

from canonical.db import Connection
from canonical.events.envelope import CloudEvent
from canonical.events.registry import topic_name
from canonical.eventstore.consumer import ConsumerConfig, IdempotentConsumer, PoisonEvent
from canonical.eventstore.relay import OutboxRelay
from canonical.eventstore.store import EventWriter
from canonical.kafka import create_producer, ensure_topics
from canonical.testing import eventually, kafka_bootstrap, publish

from .events import warehouse_created, warehouse_deleted

pytestmark = pytest.mark.integration


async def record_effect(connection: Connection, events: Sequence[CloudEvent]) -> None:
    for event in events:
        if event.data.get("warehouse_code") == "POISON":
            raise PoisonEvent("this event can never be applied")
        await connection.execute(
            "INSERT INTO probe_effects (event_id, note) VALUES ($1::uuid, $2)", event.id, event.type
        )


async def test_redelivered_events_take_effect_once_and_poison_is_set_aside(
    pool: asyncpg.Pool, topic_prefix: str
) -> None:
    topic = topic_name(topic_prefix, "catalog")
    await ensure_topics(kafka_bootstrap(), [topic], partitions=1, replication_factor=1)
    first, second = warehouse_created(1), warehouse_created(2)
    poison = warehouse_created(3, code="POISON")
    await publish(
        topic, first.to_json(), first.to_json(), b"{not json", poison.to_json(), second.to_json(), first.to_json()
    )

    config = ConsumerConfig(f"probe-{topic_prefix}", [topic], kafka_bootstrap())
    stop = asyncio.Event()
    task = asyncio.create_task(IdempotentConsumer(config, pool, record_effect).run(stop))
    try:
        await eventually(lambda: effects_reach(pool, 2))
        dead = await eventually(lambda: dead_letters(pool, 2))
    finally:
        stop.set()
        await task

    applied_ids = {str(r["event_id"]) for r in await pool.fetch("SELECT event_id FROM probe_effects")}
    assert applied_ids == {first.id, second.id}
    assert {str(r["event_id"]) if r["event_id"] else None for r in dead} == {None, poison.id}
    assert any("unreadable envelope" in r["error"] for r in dead)


async def test_offsets_are_committed_after_the_effect_so_a_restart_resumes(
    pool: asyncpg.Pool, topic_prefix: str
) -> None:
    topic = topic_name(topic_prefix, "catalog")
    await ensure_topics(kafka_bootstrap(), [topic], partitions=1, replication_factor=1)
    config = ConsumerConfig(f"probe-restart-{topic_prefix}", [topic], kafka_bootstrap())

    async def run_until(expected: int) -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(IdempotentConsumer(config, pool, record_effect).run(stop))
        try:
            await eventually(lambda: effects_reach(pool, expected))
        finally:
            stop.set()
            await task

    await publish(topic, warehouse_created(1).to_json())
    await run_until(1)
    await publish(topic, warehouse_created(2).to_json())
    await run_until(2)
    assert await pool.fetchval("SELECT count(*) FROM processed_events WHERE consumer = $1", config.name) == 2


async def test_a_consumer_of_some_types_applies_and_records_only_those(
    pool: asyncpg.Pool, writer: EventWriter, topic_prefix: str
) -> None:
    topic = topic_name(topic_prefix, "catalog")
    await ensure_topics(kafka_bootstrap(), [topic], partitions=1, replication_factor=1)
    # Through the relay (type header set) and raw, as a release before the header wrote them (none).
    relayed = [warehouse_created(1), warehouse_deleted(1), warehouse_deleted(2), warehouse_created(2)]
    async with pool.acquire() as connection, connection.transaction():
        await writer.append(connection, "warehouse-1", 0, relayed[:2])
        await writer.append(connection, "warehouse-2", 0, relayed[2:])
    producer = create_producer(kafka_bootstrap(), "relay-test")
    await producer.start()
    try:
        assert await OutboxRelay(pool, producer).drain_once() == 4
    finally:
        await producer.stop()
    raw = [warehouse_deleted(3), warehouse_created(3)]
    await publish(topic, *(event.to_json() for event in raw))

    config = ConsumerConfig(
        f"probe-types-{topic_prefix}", [topic], kafka_bootstrap(), event_types=frozenset({"warehouse.created"})
    )
    stop = asyncio.Event()
    task = asyncio.create_task(IdempotentConsumer(config, pool, record_effect).run(stop))
    try:
        await eventually(lambda: effects_reach(pool, 3))
    finally:
        stop.set()
        await task

    created = {e.id for e in [*relayed, *raw] if e.type == "warehouse.created"}
    effects = await pool.fetch("SELECT event_id, note FROM probe_effects")
    assert {str(r["event_id"]) for r in effects} == created
    assert {r["note"] for r in effects} == {"warehouse.created"}
    processed = await pool.fetch("SELECT event_id FROM processed_events WHERE consumer = $1", config.name)
    assert {str(r["event_id"]) for r in processed} == created


async def test_a_dead_letter_hook_runs_with_the_dead_letter_and_cannot_keep_it_back(
    pool: asyncpg.Pool, topic_prefix: str
) -> None:
    topic = topic_name(topic_prefix, "catalog")
    await ensure_topics(kafka_bootstrap(), [topic], partitions=1, replication_factor=1)
    told, untold = warehouse_created(1, code="POISON"), warehouse_created(2, code="POISON")
    await publish(topic, told.to_json(), untold.to_json())

    async def tell(connection: Connection, event: CloudEvent) -> None:
        await connection.execute(
            "INSERT INTO probe_effects (event_id, note) VALUES ($1::uuid, 'dead-lettered')", event.id
        )
        if event.id == untold.id:
            raise RuntimeError("the hook fails too")

    config = ConsumerConfig(f"probe-hook-{topic_prefix}", [topic], kafka_bootstrap(), handler_attempts=1)
    stop = asyncio.Event()
    task = asyncio.create_task(IdempotentConsumer(config, pool, record_effect, on_dead_letter=tell).run(stop))
    try:
        dead = await eventually(lambda: dead_letters(pool, 2))
    finally:
        stop.set()
        await task

    assert {str(r["event_id"]) for r in dead} == {told.id, untold.id}
    notes = await pool.fetch("SELECT event_id, note FROM probe_effects")
    assert [(str(r["event_id"]), r["note"]) for r in notes] == [(told.id, "dead-lettered")]


async def effects_reach(pool: asyncpg.Pool, expected: int) -> bool:
    return bool(await pool.fetchval("SELECT count(*) FROM probe_effects") == expected)


async def dead_letters(pool: asyncpg.Pool, at_least: int) -> list[asyncpg.Record] | None:
    rows = await pool.fetch("SELECT event_id, error FROM consumer_dead_letters")
    return rows if len(rows) >= at_least else None
