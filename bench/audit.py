"""Audit log benchmark (`python bench/audit.py`): append rate, query visibility, verification time.

Scenarios (each bounded):
- kafka_backlog_to_chain: a backlog of --events events is published to a
  fresh 3-partition topic first; then the audit consumer (the service's own
  IdempotentConsumer + record_events: dedupe, hash chain, names) starts and
  the clock runs until every event is a committed chain row. p50/p95/p99 are
  the durations of the consumer's batch transactions.
  Reference in the same run: a bare aiokafka consume of the same backlog
  (kafka_backlog_consume_only), so the ratio shows what chaining costs.
- publish_to_query_visible: events published at --rate per second for
  --seconds while the consumer runs; latency is Kafka acknowledgement of the
  publish to the row being visible to a reader polling the log every 20 ms
  (what the query API reads). The acceptance bar is p99 <= 2 s.
- verify_sql / verify_offline / checkpoint_sign: a chain of --verify-rows rows
  (default 1,000,000; generated once into its own database and reused) is
  verified by `SELECT verify_audit_log_chain()` and by the offline verifier
  on its export (no database), and signed as one checkpoint from scratch.
  These rows have requests = rows and a single timing (p50 = p95 = p99).
  Notes: the offline verifier's CPU seconds (its wall time on an idle
  machine) and its ratio to the SQL verifier in the same run, and the load
  average before and after, since the machine is shared.

Needs PostgreSQL and Kafka (`make up`, or `scripts/devstack.py infra-up`);
creates and reuses its own databases bench_audit and bench_audit_verify.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# Run as `python bench/<name>.py`: the repository root, not bench/, goes first on the path, so
# `bench.benchlib` imports and a script named like a service package cannot shadow that package.
sys.path[0] = str(Path(__file__).resolve().parents[1])
from audit import verify as offline_verifier
from audit.adapters.checkpoint_store import checkpoint_from_row
from audit.adapters.queries import stored_entries
from audit.domain import export
from audit.domain.chain import GENESIS_HASH, StoredEntry
from audit.domain.checkpoint import b64url, public_key_bytes
from audit.entrypoints.chain_consumer import CONSUMER_NAME, record_events
from audit.service_layer.checkpoints import sign_checkpoint
from bench.benchlib import (
    REPO_ROOT,
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
from canonical.events.registry import default_registry
from canonical.eventstore.consumer import ConsumerConfig, IdempotentConsumer
from canonical.eventstore.store import EventWriter
from canonical.kafka import create_producer, ensure_topics

MIGRATIONS = REPO_ROOT / "services" / "audit" / "migrations"
APPEND_DATABASE = "bench_audit"
VERIFY_DATABASE = "bench_audit_verify"


def pick_event(n: int) -> bytes:
    return CloudEvent(
        source="/bench",
        type="pick.confirmed",
        subject=f"so-{n % 5000}",
        actor="picker",
        warehouseid=1,
        data={"so_number": f"SO-{n:07d}", "item_id": n % 997, "bin_id": n % 89, "quantity": 1 + n % 5},
    ).to_json()


async def fresh_topic(bootstrap: str) -> str:
    topic = f"bench.{uuid.uuid4().hex[:8]}.fulfilment.v1"
    await ensure_topics(bootstrap, [topic], partitions=3, replication_factor=1)
    return topic


async def publish_backlog(bootstrap: str, topic: str, payloads: Sequence[bytes]) -> None:
    producer = create_producer(bootstrap, "bench-audit")
    await producer.start()
    try:
        pending = [await producer.send(topic, p, key=str(i % 64).encode()) for i, p in enumerate(payloads)]
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def wipe(pool: asyncpg.Pool) -> None:
    await pool.execute(
        "TRUNCATE audit_log, audit_chain_head, audit_checkpoints, audit_entity_names, audit_warehouses,"
        " processed_events, consumer_dead_letters, outbox, event_store"
    )


async def rows_committed(pool: asyncpg.Pool, count: int) -> None:
    while True:
        if await pool.fetchval("SELECT coalesce(max(log_id), 0) FROM audit_log") >= count:
            return
        await asyncio.sleep(0.02)


async def backlog_to_chain(pool: asyncpg.Pool, bootstrap: str, events: int) -> ScenarioResult:
    await wipe(pool)
    topic = await fresh_topic(bootstrap)
    await publish_backlog(bootstrap, topic, [pick_event(n) for n in range(events)])
    batch_times: list[float] = []

    async def timed_record(connection: Connection, batch: Sequence[CloudEvent]) -> None:
        started = time.perf_counter()
        await record_events(connection, batch)
        batch_times.append(time.perf_counter() - started)

    consumer = IdempotentConsumer(ConsumerConfig(f"{CONSUMER_NAME}-{topic}", [topic], bootstrap), pool, timed_record)
    stop = asyncio.Event()
    started = time.perf_counter()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await rows_committed(pool, events)
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        await task
    assert await pool.fetchval("SELECT verify_audit_log_chain()") is None, "the benchmark broke the chain"
    result = summarise("kafka_backlog_to_chain", 1, batch_times, 0, elapsed)
    # Throughput is events, not batches.
    return ScenarioResult(**{**result.__dict__, "requests": events, "throughput_per_s": round(events / elapsed, 1)})


async def backlog_consume_only(bootstrap: str, events: int) -> ScenarioResult:
    topic = await fresh_topic(bootstrap)
    await publish_backlog(bootstrap, topic, [pick_event(n) for n in range(events)])
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"bench-{topic}", auto_offset_reset="earliest",
        enable_auto_commit=False, isolation_level="read_committed",
    )  # fmt: skip
    started = time.perf_counter()
    await consumer.start()
    seen = 0
    poll_times: list[float] = []
    try:
        while seen < events:
            polled = time.perf_counter()
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            for records in batches.values():
                # The same parsing the audit consumer does, so only chaining and the database differ.
                for record in records:
                    CloudEvent.from_json(record.value)
                seen += len(records)
            if batches:
                await consumer.commit()
                poll_times.append(time.perf_counter() - polled)
        elapsed = time.perf_counter() - started
    finally:
        await consumer.stop()
    result = summarise("kafka_backlog_consume_only", 1, poll_times, 0, elapsed)
    return ScenarioResult(**{**result.__dict__, "requests": events, "throughput_per_s": round(events / elapsed, 1)})


async def publish_to_visible(pool: asyncpg.Pool, bootstrap: str, rate: int, seconds: float) -> ScenarioResult:
    await wipe(pool)
    topic = await fresh_topic(bootstrap)
    consumer = IdempotentConsumer(ConsumerConfig(f"{CONSUMER_NAME}-{topic}", [topic], bootstrap), pool, record_events)
    stop = asyncio.Event()
    consuming = asyncio.create_task(consumer.run(stop))
    await asyncio.wait_for(consumer.assigned.wait(), timeout=30)
    published_at: dict[str, float] = {}
    latencies: list[float] = []
    total = int(rate * seconds)

    async def poll_visible() -> None:
        last = 0
        while len(latencies) < total:
            rows = await pool.fetch("SELECT log_id, event_id FROM audit_log WHERE log_id > $1 ORDER BY log_id", last)
            now = time.perf_counter()
            for row in rows:
                latencies.append(now - published_at[str(row["event_id"])])
            if rows:
                last = rows[-1]["log_id"]
            await asyncio.sleep(0.02)

    producer = create_producer(bootstrap, "bench-audit-steady")
    await producer.start()
    reader = asyncio.create_task(poll_visible())
    try:
        started = time.perf_counter()
        for n in range(total):
            event = CloudEvent.from_json(pick_event(n))
            # Stamped when handed to the producer: stricter than the broker's acknowledgement.
            published_at[event.id] = time.perf_counter()
            await producer.send(topic, event.to_json(), key=str(n % 64).encode())
            await asyncio.sleep(max(0.0, started + (n + 1) / rate - time.perf_counter()))
        await asyncio.wait_for(reader, timeout=120)
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        await consuming
        await producer.stop()
    return summarise("publish_to_query_visible", 1, latencies, 0, elapsed)


def chain_rows(count: int) -> list[tuple[Any, ...]]:
    """Rows as the service stores them, hashed with the service's own encoding (StoredEntry.computed_hash)."""
    rows = []
    prev = GENESIS_HASH
    recorded = "2026-01-01T00:00:00.000000Z"
    for n in range(1, count + 1):
        entry = StoredEntry(
            n, str(uuid.UUID(int=n)), "PICK", "SO", f"so-{n % 5000}", "picker", 1, None,
            f'{{"n":{n}}}', recorded, recorded, prev, b"",
        )  # fmt: skip
        digest = entry.computed_hash()
        rows.append(
            (n, uuid.UUID(int=n), "PICK", "SO", entry.entity_id, "picker", 1, None, entry.details, prev, digest)
        )
        prev = digest
    return rows


async def ensure_verify_log(pool: asyncpg.Pool, rows: int) -> None:
    present = await pool.fetchval("SELECT coalesce(max(log_id), 0) FROM audit_log")
    if present == rows and await pool.fetchval("SELECT count(*) FROM audit_log") == rows:
        return
    print(f"generating a chain of {rows} rows (once; reused by later runs)...", file=sys.stderr)
    await wipe(pool)
    moment = await pool.fetchval("SELECT '2026-01-01T00:00:00Z'::timestamptz")
    chunk = 50_000
    generated = chain_rows(rows)
    async with pool.acquire() as connection:
        for start in range(0, rows, chunk):
            await connection.copy_records_to_table(
                "audit_log",
                columns=(
                    "log_id", "event_id", "action_type", "entity_type", "entity_id", "actor", "warehouse_id",
                    "device_id", "details", "prev_hash", "row_hash", "created_at", "recorded_at",
                ),
                records=[(*r, moment, moment) for r in generated[start : start + chunk]],
            )  # fmt: skip
        await connection.execute(
            "INSERT INTO audit_chain_head (chain, last_log_id, last_hash) VALUES ('main', $1, $2)",
            rows,
            generated[-1][-1],
        )
        await connection.execute("VACUUM ANALYZE audit_log")


def single(scenario: str, rows: int, seconds: float) -> ScenarioResult:
    ms = round(seconds * 1000, 1)
    return ScenarioResult(scenario, 1, rows, 0, round(rows / seconds, 1), ms, ms, ms)


async def verification(pool: asyncpg.Pool, rows: int) -> tuple[list[ScenarioResult], float]:
    """The three scenarios, and the CPU seconds the offline verifier itself used."""
    await ensure_verify_log(pool, rows)
    results = []
    await pool.fetchval("SELECT count(*) FROM audit_log")  # warm the cache, as a second run would find it
    started = time.perf_counter()
    broken = await pool.fetchval("SELECT verify_audit_log_chain()", timeout=600)
    results.append(single("verify_sql", rows, time.perf_counter() - started))
    assert broken is None, f"generated chain broken at {broken}"

    key = Ed25519PrivateKey.generate()
    await pool.execute("TRUNCATE audit_checkpoints, outbox, event_store")
    started = time.perf_counter()
    await sign_checkpoint(pool, key, EventWriter(default_registry(), "bench."), default_registry())
    results.append(single("checkpoint_sign", rows, time.perf_counter() - started))

    with tempfile.TemporaryDirectory() as folder:
        export_path = Path(folder) / "audit.jsonl"
        checkpoint = await pool.fetchrow("SELECT * FROM audit_checkpoints")
        assert checkpoint is not None
        with export_path.open("w") as out:
            async for entry in stored_entries(pool, rows, batch=20_000):
                out.write(export.entry_line(entry))
            out.write(export.checkpoint_line(checkpoint_from_row(checkpoint)))
        started, cpu_started = time.perf_counter(), time.process_time()
        code = offline_verifier.run(
            [str(export_path), f"--public-key={b64url(public_key_bytes(key.public_key()))}", "--no-progress"]
        )
        results.append(single("verify_offline", rows, time.perf_counter() - started))
        cpu_seconds = time.process_time() - cpu_started
        assert code == 0, "offline verifier refused the generated chain"
    return results, cpu_seconds


async def run(args: argparse.Namespace) -> tuple[list[ScenarioResult], dict[str, object]]:
    results: list[ScenarioResult] = []
    notes: dict[str, object] = {}
    append_url = await bench_database(args.admin_url, APPEND_DATABASE, "audit", MIGRATIONS)
    pool = await create_pool(append_url, min_size=2, max_size=10)
    try:
        print(f"warming up ({args.warmup} events)...", file=sys.stderr)
        await backlog_to_chain(pool, args.bootstrap, args.warmup)
        print(f"backlog of {args.events} events...", file=sys.stderr)
        results.append(await backlog_consume_only(args.bootstrap, args.events))
        results.append(await backlog_to_chain(pool, args.bootstrap, args.events))
        print(f"steady {args.rate}/s for {args.seconds}s...", file=sys.stderr)
        results.append(await publish_to_visible(pool, args.bootstrap, args.rate, args.seconds))
    finally:
        await pool.close()
    if args.verify_rows:
        verify_url = await bench_database(args.admin_url, VERIFY_DATABASE, "audit", MIGRATIONS)
        pool = await create_pool(verify_url, min_size=1, max_size=4)
        try:
            verified, cpu_seconds = await verification(pool, args.verify_rows)
            results += verified
            # The machine is shared: CPU seconds are what the wall time would be on an idle one.
            notes["verify_offline_cpu_s"] = round(cpu_seconds, 2)
            by_name = {r.scenario: r for r in verified}
            notes["verify_offline_over_sql"] = round(by_name["verify_offline"].p50_ms / by_name["verify_sql"].p50_ms, 2)
        finally:
            await pool.close()
    return results, notes


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__, warmup=1_000)
    parser.add_argument("--events", type=int, default=30_000, help="backlog size for the append rate")
    parser.add_argument("--rate", type=int, default=500, help="events/s published in the visibility scenario")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the visibility scenario")
    parser.add_argument("--verify-rows", type=int, default=1_000_000, help="chain length to verify (0 skips)")
    args = parse_bench_args(parser, argv)
    load_before = os.getloadavg()[0]
    results, measured = asyncio.run(run(args))
    print_table(results)
    by_name = {r.scenario: r for r in results}
    notes: dict[str, object] = {
        "append_over_consume_only": round(
            by_name["kafka_backlog_to_chain"].throughput_per_s / by_name["kafka_backlog_consume_only"].throughput_per_s,
            2,
        ),
        "targets": {"append_events_per_s": 5000, "visible_p99_ms": 2000, "verify_1m_rows_s": 10},
        # The machine is shared: its load (1-minute average, 2 cores) says how far to trust wall times.
        "load_average_1m": {"start": round(load_before, 2), "end": round(os.getloadavg()[0], 2)},
        **measured,
        "latency_fields": "kafka_backlog_*: per batch/poll; publish_to_query_visible: per event;"
        " verify_* and checkpoint_sign: one timing of the whole run",
    }
    print(json.dumps(notes, indent=2))
    print(f"written to {write_results('audit', results, notes)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
