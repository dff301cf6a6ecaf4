"""Event backbone benchmark: outbox append -> relay -> Kafka -> idempotent consumer apply.

Measured path: a writer commits one event per transaction (event store +
outbox), the relay publishes it (idempotent producer, acks=all), an
IdempotentConsumer applies it (processed-event record in its own
transaction). Latency is commit of the append to the consumer's apply.
Reference, measured in the same run: a bare aiokafka produce -> consume of
the same payloads, so the ratio shows what the outbox costs on this machine.

Needs PostgreSQL and Kafka (`make up`, or `scripts/devstack.py infra-up`);
creates and reuses its own database `bench_backbone`. Bounded by --events.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer

# Run as `python bench/<name>.py`: the repository root, not bench/, goes first on the path, so
# `bench.benchlib` imports and a script named like a service package cannot shadow that package.
sys.path[0] = str(Path(__file__).resolve().parents[1])
from bench.benchlib import (
    ScenarioResult,
    bench_database,
    bench_parser,
    parse_bench_args,
    print_table,
    summarise,
    write_results,
)
from canonical.db import Connection, create_pool
from canonical.events.envelope import CloudEvent
from canonical.events.registry import default_registry, topic_name
from canonical.eventstore.consumer import ConsumerConfig, IdempotentConsumer
from canonical.eventstore.relay import OutboxRelay
from canonical.eventstore.store import EventWriter
from canonical.kafka import create_producer, ensure_topics

DATABASE = "bench_backbone"


def warehouse_event(writer_index: int, sequence: int) -> CloudEvent:
    event_type = default_registry().get("warehouse.created", 1)
    return CloudEvent(
        source="/bench",
        type=event_type.name,
        subject=f"bench-{writer_index}",
        dataschema=event_type.dataschema,
        data={
            "warehouse_id": writer_index * 1_000_000 + sequence + 1,
            "warehouse_code": f"B{writer_index}-{sequence}",
            "warehouse_name": "Bench",
            "address": None,
            "is_active": True,
            "created_at": "2026-01-01T00:00:00+00:00",
        },
    )


async def outbox_to_consumer(pool: asyncpg.Pool, bootstrap: str, events: int, concurrency: int) -> ScenarioResult:
    prefix = f"bench.{uuid.uuid4().hex[:8]}."
    topic = topic_name(prefix, "catalog")
    await ensure_topics(bootstrap, [topic], partitions=3, replication_factor=1)
    await pool.execute("TRUNCATE event_store, outbox, processed_events")
    writer = EventWriter(default_registry(), prefix)
    appended_at: dict[str, float] = {}
    latencies: list[float] = []
    all_applied = asyncio.Event()

    async def apply(_: Connection, batch: Sequence[CloudEvent]) -> None:
        now = time.perf_counter()
        latencies.extend(now - appended_at[e.id] for e in batch)
        if len(latencies) >= events:
            all_applied.set()

    producer = create_producer(bootstrap, "bench-relay")
    await producer.start()
    stop = asyncio.Event()
    consumer = IdempotentConsumer(ConsumerConfig(f"bench-{prefix}", [topic], bootstrap), pool, apply)
    workers = [
        asyncio.create_task(OutboxRelay(pool, producer).run(stop)),
        asyncio.create_task(consumer.run(stop)),
    ]
    await asyncio.wait_for(consumer.assigned.wait(), timeout=30)

    async def write(writer_index: int, count: int) -> None:
        for version in range(count):
            event = warehouse_event(writer_index, version)
            async with pool.acquire() as connection, connection.transaction():
                await writer.append(connection, f"bench-{writer_index}", version, [event])
                # Stamped before the commit: once it commits, the relay and the consumer
                # may run before this task resumes.
                appended_at[event.id] = time.perf_counter()

    try:
        started = time.perf_counter()
        per_writer = events // concurrency
        await asyncio.gather(*(write(i, per_writer) for i in range(concurrency)))
        await asyncio.wait_for(all_applied.wait(), timeout=120)
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        await asyncio.gather(*workers)
        await producer.stop()
    return summarise("outbox_to_consumer", concurrency, latencies, 0, elapsed)


async def direct_produce_consume(bootstrap: str, events: int, concurrency: int) -> ScenarioResult:
    topic = f"bench.{uuid.uuid4().hex[:8]}.direct"
    await ensure_topics(bootstrap, [topic], partitions=3, replication_factor=1)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    producer = create_producer(bootstrap, "bench-direct")
    await producer.start()
    latencies: list[float] = []

    async def consume() -> None:
        while len(latencies) < events:
            for records in (await consumer.getmany(timeout_ms=100)).values():
                now = time.perf_counter()
                latencies.extend(now - json.loads(r.value)["sent"] for r in records)

    async def produce(writer_index: int, count: int) -> None:
        for sequence in range(count):
            event = warehouse_event(writer_index, sequence)
            payload = json.dumps({"sent": time.perf_counter(), "event": json.loads(event.to_json())}).encode()
            await producer.send_and_wait(topic, payload, key=f"bench-{writer_index}".encode())

    started = time.perf_counter()
    reader = asyncio.create_task(consume())
    per_writer = events // concurrency
    await asyncio.gather(*(produce(i, per_writer) for i in range(concurrency)))
    await asyncio.wait_for(reader, timeout=120)
    elapsed = time.perf_counter() - started
    await producer.stop()
    await consumer.stop()
    return summarise("direct_produce_consume", concurrency, latencies, 0, elapsed)


async def run(args: argparse.Namespace) -> list[ScenarioResult]:
    database_url = await bench_database(args.admin_url, DATABASE, "bench", None)
    pool = await create_pool(database_url, min_size=2, max_size=max(10, max(args.concurrency) + 5))
    results = []
    try:
        print(f"warming up ({args.warmup} events)...", file=sys.stderr)
        await outbox_to_consumer(pool, args.bootstrap, args.warmup, 1)
        await direct_produce_consume(args.bootstrap, args.warmup, 1)
        for concurrency in args.concurrency:
            events = max(concurrency, args.events - args.events % concurrency)
            print(f"concurrency {concurrency}: {events} events each way...", file=sys.stderr)
            results.append(await direct_produce_consume(args.bootstrap, events, concurrency))
            results.append(await outbox_to_consumer(pool, args.bootstrap, events, concurrency))
    finally:
        await pool.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__, warmup=200, concurrency=[1, 10, 50])
    parser.add_argument("--events", type=int, default=3000, help="events per scenario (bounded run)")
    args = parse_bench_args(parser, argv)
    results = asyncio.run(run(args))
    print_table(results)
    ratios = {}
    for concurrency in args.concurrency:
        direct, outbox = (r for r in results if r.concurrency == concurrency)
        ratios[f"p50_outbox_over_direct_c{concurrency}"] = round(outbox.p50_ms / direct.p50_ms, 2)
        ratios[f"throughput_outbox_over_direct_c{concurrency}"] = round(
            outbox.throughput_per_s / direct.throughput_per_s, 2
        )
    print(json.dumps(ratios, indent=2))
    print(f"written to {write_results('event_backbone', results, {'ratios': ratios})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
