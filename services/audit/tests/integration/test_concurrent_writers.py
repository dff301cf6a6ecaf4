"""One linear chain whatever the number of writers, batches, partitions and redeliveries."""

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from audit.adapters.chain_store import append_to_chain, first_broken_entry
from audit.domain.chain import AuditEntry
from audit.entrypoints.chain_consumer import record_events
from canonical.events.envelope import CloudEvent
from canonical.eventstore.consumer import ConsumerConfig, IdempotentConsumer
from canonical.kafka import ensure_topics
from canonical.testing import eventually, kafka_bootstrap, publish, unique_topic_prefix

pytestmark = pytest.mark.integration


def entry(writer: int, n: int) -> AuditEntry:
    return AuditEntry(
        str(uuid.uuid4()), "PICK", "SO", f"so-{writer}-{n}", f"picker-{writer}", 1, None, {"n": n}, datetime.now(UTC)
    )


async def assert_linear(pool: asyncpg.Pool, expected_rows: int) -> None:
    rows = await pool.fetch("SELECT log_id, prev_hash, row_hash FROM audit_log ORDER BY log_id")
    assert [r["log_id"] for r in rows] == list(range(1, expected_rows + 1))
    assert all(rows[i]["prev_hash"] == rows[i - 1]["row_hash"] for i in range(1, len(rows)))
    async with pool.acquire() as connection:
        assert await first_broken_entry(connection) is None


async def test_concurrent_batches_from_many_writers_never_fork(audit_pool: asyncpg.Pool) -> None:
    async def writer(number: int) -> None:
        for batch in range(5):
            async with audit_pool.acquire() as connection, connection.transaction():
                await append_to_chain(connection, [entry(number, batch * 10 + i) for i in range(1 + number % 3)])

    await asyncio.gather(*(writer(n) for n in range(8)))
    await assert_linear(audit_pool, sum(5 * (1 + n % 3) for n in range(8)))


async def test_a_writer_that_rolls_back_leaves_no_trace_in_the_chain(audit_pool: asyncpg.Pool) -> None:
    async with audit_pool.acquire() as connection, connection.transaction():
        await append_to_chain(connection, [entry(0, 1)])
    async with audit_pool.acquire() as connection:
        transaction = connection.transaction()
        await transaction.start()
        await append_to_chain(connection, [entry(1, 1), entry(1, 2)])
        await transaction.rollback()  # the consumer crashed before its commit
    async with audit_pool.acquire() as connection, connection.transaction():
        await append_to_chain(connection, [entry(2, 1)])
    await assert_linear(audit_pool, 2)


def event(n: int) -> CloudEvent:
    return CloudEvent(source="/test", type="pick.confirmed", subject=f"so-{n}", actor="picker", data={"n": n})


async def test_competing_consumers_with_redeliveries_record_each_event_once_in_one_chain(
    audit_pool: asyncpg.Pool,
) -> None:
    # Three consumers in one group share a 3-partition topic (rebalances happen as they join
    # and leave), and every event is published twice: the chain stays linear, each event once.
    topic = f"{unique_topic_prefix()}picking.v1"
    await ensure_topics(kafka_bootstrap(), [topic], partitions=3, replication_factor=1)
    events = [event(n) for n in range(120)]
    config = ConsumerConfig("audit-chain", [topic], kafka_bootstrap(), max_batch=17)
    consumers = [IdempotentConsumer(config, audit_pool, record_events) for _ in range(3)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(c.run(stop)) for c in consumers]
    try:
        for half in (events[:60], events[60:]):
            for copy in range(2):
                for e in half:
                    await publish(topic, e.to_json(), key=f"so-{e.subject}-{copy}".encode())

        async def all_recorded() -> bool:
            return int(await audit_pool.fetchval("SELECT count(*) FROM audit_log")) >= len(events)

        await eventually(all_recorded, timeout_s=60)
        await asyncio.sleep(1)  # let any late duplicate arrive: it must not add a row
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    await assert_linear(audit_pool, len(events))
    recorded = {str(r["event_id"]) for r in await audit_pool.fetch("SELECT event_id FROM audit_log")}
    assert recorded == {e.id for e in events}
