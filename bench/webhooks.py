"""Webhook delivery benchmark: event on Kafka -> faust fan-out -> signed webhook acknowledged on loopback.

(Named webhooks.py, not dispatcher.py: bench/ is on the import path, and a `dispatcher` module there
would shadow the service package.)

Measured path: the bench publishes `warehouse.created` events to the catalog
topic at a fixed offered rate, spread over N subscriptions (each filters one
warehouse, so every event is one delivery); the dispatcher runs as its own
process (`python -m dispatcher`), fans the events out (faust agent, one
PostgreSQL transaction per batch), claims, signs (Standard Webhooks) and POSTs
them; the receiver (in this process, loopback) answers 204. Latency is the
Kafka produce acknowledgement to the receiver's arrival; deliveries/s is over
the whole run. Scenarios vary DISPATCHER_MAX_CONCURRENT_POSTS. Each scenario's
dispatcher first delivers --warmup unmeasured events at the same rate, so the
figures describe a running dispatcher; its cold start (the slowest warm-up
delivery) is kept as `cold_start_max_latency_ms`.

Cost per delivery, which a busy shared machine disturbs far less than
latency: the dispatcher process's CPU time (user + system, from /proc) and the
database transactions committed in its database (pg_stat_database, so every
autocommit statement counts as one) during the scenario, divided by the
deliveries; and the load average when the scenario ended, to read the latency
figures against.

Reference, measured in the same run and process: the same bodies POSTed
straight to the same receiver with the same concurrency (no Kafka, no
database), so the ratio shows what durable, signed, ordered delivery costs.

Needs PostgreSQL and Kafka (`make up`, or `scripts/devstack.py infra-up`);
creates and reuses its own database `bench_dispatcher`. Bounded by --events
and a timeout per scenario; sends only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from cryptography.fernet import Fernet
from fastapi import FastAPI, Request, Response

# Run as `python bench/<name>.py`: the repository root, not bench/, goes first on the path, so
# `bench.benchlib` imports and a script named like a service package cannot shadow that package.
sys.path[0] = str(Path(__file__).resolve().parents[1])
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
from canonical.events.envelope import CloudEvent
from canonical.events.registry import default_registry, topic_name
from canonical.identity import Identity
from canonical.kafka import create_producer
from canonical.testing import free_port, generate_identity_keys, serving

DATABASE = "bench_dispatcher"
MIGRATIONS = REPO_ROOT / "services" / "dispatcher" / "migrations"
BENCH_ADMIN = Identity(subject="00000000-0000-4000-8000-00000000b001", username="bench", role="ADMIN")
SCENARIO_TIMEOUT_S = 180.0


async def empty_database(url: str) -> None:
    """Each scenario starts from nothing: no earlier subscription may receive (and slow down) its events."""
    connection = await asyncpg.connect(url)
    try:
        tables = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        names = ", ".join(t["tablename"] for t in tables if t["tablename"] != "schema_migrations")
        await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await connection.close()


class Receiver:
    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.all_arrived = asyncio.Event()
        self.expected = 0

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hooks/{endpoint}")
        async def receive(endpoint: str, request: Request) -> Response:
            await request.body()
            self.arrived.setdefault(request.headers.get("webhook-id", str(uuid.uuid4())), time.time())
            if len(self.arrived) >= self.expected:
                self.all_arrived.set()
            return Response(status_code=204)

        return app

    def reset(self, expected: int) -> None:
        self.arrived.clear()
        self.all_arrived.clear()
        self.expected = expected


def event_for(warehouse_id: int, sequence: int) -> CloudEvent:
    event_type = default_registry().get("warehouse.created", 1)
    return CloudEvent(
        source="/bench",
        type=event_type.name,
        subject=f"bench-{warehouse_id}-{sequence}",
        dataschema=event_type.dataschema,
        data={
            "warehouse_id": warehouse_id,
            "warehouse_code": f"B{sequence}",
            "warehouse_name": "Bench",
            "address": None,
            "is_active": True,
            "created_at": "2026-01-01T00:00:00+00:00",
        },
    )


async def start_dispatcher(env: dict[str, str], port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "dispatcher", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return process
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    process.kill()
    raise RuntimeError("the dispatcher did not become ready within 60 s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def committed_transactions(url: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        count: int = await connection.fetchval(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        return count
    finally:
        await connection.close()


async def paced(count: int, rate: float, send: Any) -> None:
    """Call `send(n)` for n in 0..count-1 at `rate` per second (open loop: a slow consumer does not slow it)."""
    started = time.monotonic()
    tasks = []
    for n in range(count):
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(n)))
    await asyncio.gather(*tasks)


async def through_dispatcher(
    args: argparse.Namespace,
    database_url: str,
    receiver: Receiver,
    receiver_url: str,
    posts: int,
    events: int,
    costs: dict[str, float],
) -> ScenarioResult:
    await empty_database(database_url)
    prefix = f"bench.{uuid.uuid4().hex[:8]}."
    keys = generate_identity_keys()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": args.bootstrap,
        "KAFKA_TOPIC_PREFIX": prefix,
        "SERVICE_PORT": str(port),
        "SENTRY_INTERNAL_VERIFY_KEY": keys.public_setting,
        "SENTRY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "SENTRY_PUBSUB_HMAC_KEY": secrets.token_hex(32),
        "SENTRY_ALLOW_INTERNAL_WEBHOOKS": "true",  # the receiver is on loopback
        "DISPATCHER_MAX_CONCURRENT_POSTS": str(posts),
        "DATABASE_POOL_MAX": "30",
        "LOG_LEVEL": "WARNING",
    }
    process = await start_dispatcher(env, port)
    producer = create_producer(args.bootstrap, "bench-dispatcher")
    await producer.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as api:
            for endpoint in range(1, args.endpoints + 1):
                response = await api.post(
                    "/api/admin/webhooks",
                    json={
                        "display_name": f"bench {endpoint}",
                        "delivery_url": f"{receiver_url}/hooks/{endpoint}",
                        "subscription_filter": {"warehouse_ids": [endpoint]},
                        "rate_limit_per_second": 100,
                        "max_concurrency": 16,
                    },
                    headers=keys.headers(BENCH_ADMIN),
                )
                response.raise_for_status()
        topic = topic_name(prefix, "catalog")
        produced: dict[str, float] = {}

        async def send(n: int) -> None:
            event = event_for(n % args.endpoints + 1, n)
            await producer.send_and_wait(topic, event.to_json(), key=(event.subject or "").encode())
            produced[event.id] = time.time()

        # Warm this very process (Kafka fetches, database and HTTP connections) with unmeasured events, so the
        # figures describe a running dispatcher, not its first second; the cold start is noted separately.
        receiver.reset(args.warmup)
        warm_started = time.time()
        await paced(args.warmup, args.rate, lambda n: send(events + n))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(receiver.all_arrived.wait(), timeout=SCENARIO_TIMEOUT_S)
        warm_latencies = sorted(receiver.arrived[i] - produced[i] for i in produced if i in receiver.arrived)
        if warm_latencies:
            costs["cold_start_max_latency_ms"] = round(warm_latencies[-1] * 1000, 1)
        costs["warmup_s"] = round(time.time() - warm_started, 1)
        produced.clear()
        receiver.reset(events)

        cpu_before, transactions_before = cpu_seconds(process.pid), await committed_transactions(database_url)
        started = time.time()
        await paced(events, args.rate, send)
        with contextlib.suppress(TimeoutError):  # what never arrived is counted as an error below
            await asyncio.wait_for(receiver.all_arrived.wait(), timeout=SCENARIO_TIMEOUT_S)
        elapsed = max(receiver.arrived.values(), default=started) - started
        latencies = [receiver.arrived[i] - produced[i] for i in produced if i in receiver.arrived]
        missing = events - len(latencies)
        delivered = max(1, len(latencies))
        costs["dispatcher_cpu_ms_per_delivery"] = round((cpu_seconds(process.pid) - cpu_before) * 1000 / delivered, 2)
        transactions = await committed_transactions(database_url) - transactions_before
        costs["db_transactions_per_delivery"] = round(transactions / delivered, 2)
        costs["load_average_1m"] = os.getloadavg()[0]
    finally:
        await producer.stop()
        process.terminate()
        await process.wait()
    return summarise("event_to_receiver", posts, latencies, missing, elapsed)


async def direct_posts(
    args: argparse.Namespace, receiver: Receiver, receiver_url: str, posts: int, events: int
) -> ScenarioResult:
    receiver.reset(events)
    limit = asyncio.Semaphore(posts)
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=posts)) as client:

        async def send(n: int) -> None:
            nonlocal errors
            event = event_for(n % args.endpoints + 1, n)
            async with limit:
                sent = time.time()
                response = await client.post(
                    f"{receiver_url}/hooks/{n % args.endpoints + 1}",
                    content=event.to_json(),
                    headers={"webhook-id": event.id, "content-type": "application/json"},
                )
                if response.status_code != 204:
                    errors += 1
                    return
                latencies.append(time.time() - sent)

        started = time.time()
        await paced(events, args.rate, send)
        elapsed = time.time() - started
    return summarise("direct_post_reference", posts, latencies, errors, elapsed)


async def run(args: argparse.Namespace) -> tuple[list[ScenarioResult], dict[str, dict[str, float]]]:
    database_url = await bench_database(args.admin_url, DATABASE, "dispatcher", MIGRATIONS)
    receiver = Receiver()
    results = []
    costs: dict[str, dict[str, float]] = {}
    async with serving(receiver.app()) as receiver_url:
        for posts in args.concurrency:
            print(f"concurrency {posts}: {args.events} events at {args.rate}/s...", file=sys.stderr)
            results.append(await direct_posts(args, receiver, receiver_url, posts, args.events))
            costs[f"c{posts}"] = {}
            results.append(
                await through_dispatcher(
                    args, database_url, receiver, receiver_url, posts, args.events, costs[f"c{posts}"]
                )
            )
    return results, costs


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(
        __doc__, warmup=200, concurrency=[4, 16, 64], concurrency_help="DISPATCHER_MAX_CONCURRENT_POSTS values"
    )
    parser.add_argument("--events", type=int, default=3000, help="events per scenario (bounded run)")
    parser.add_argument("--rate", type=float, default=500.0, help="offered events per second")
    parser.add_argument("--endpoints", type=int, default=10, help="subscriptions (receiver paths)")
    args = parse_bench_args(parser, argv)
    results, costs = asyncio.run(run(args))
    print_table(results)
    ratios = {}
    for posts in args.concurrency:
        direct, dispatched = (r for r in results if r.concurrency == posts)
        ratios[f"p50_dispatcher_over_direct_c{posts}"] = round(dispatched.p50_ms / direct.p50_ms, 2)
    notes: dict[str, object] = {
        "ratios": ratios,
        "cost_per_delivery": costs,
        "offered_rate_per_s": args.rate,
        "endpoints": args.endpoints,
    }
    print(json.dumps(notes, indent=2))
    print(f"written to {write_results('webhooks', results, notes)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
