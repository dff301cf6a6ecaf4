"""Stock benchmark: item barcode lookups and receive -> put-away cycles against the inventory service.

The service runs as deployed (`python -m inventory`, its own process, uvicorn, its
Kafka workers) on a loopback port, against its own database `bench_inventory`
seeded with the demo warehouse through the commands. Requests carry an internal
identity token as the gateway would forward them (the gateway is not in the path
until it lands: compare these figures with a run through it then).

Scenarios, each at concurrency 1, 10 and 50 (bounded by --requests):
  item_lookup       GET /api/lookup/item/{upc} over the 20 demo items.
  receive_putaway   POST /api/receiving/receive (1 unit into RECV-01), then
                    POST /api/putaway/confirm (RECV-01 -> the item's home bin);
                    latency is the whole two-request cycle.

Needs PostgreSQL and Kafka (`make up`, or `scripts/devstack.py infra-up`). Reference
from the issue (Sentry v1.7, same machine type): item lookups ~231 req/s, p99 320 ms
at 50 clients.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

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
from canonical.db import create_pool
from canonical.events.registry import default_registry
from canonical.eventstore.store import EventWriter
from canonical.identity import HEADER, sign_identity
from canonical.testing import ADMIN, free_port, generate_identity_keys
from inventory.entrypoints import demo_data
from inventory.entrypoints.seed import Seeder

DATABASE = "bench_inventory"
TOPIC_PREFIX = "bench.stock."
MIGRATIONS = REPO_ROOT / "services" / "inventory" / "migrations"
BIG_ORDER = "PO-BENCH"

Cycle = Callable[[httpx.AsyncClient, int], Awaitable[bool]]


async def seed(url: str) -> None:
    pool = await create_pool(url, min_size=1, max_size=2)
    try:
        await Seeder(pool, EventWriter(default_registry(), TOPIC_PREFIX)).run()
    finally:
        await pool.close()


def start_service(url: str, bootstrap: str, verify_key: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_TOPIC_PREFIX": TOPIC_PREFIX,
        "SENTRY_INTERNAL_VERIFY_KEY": verify_key,
        "SERVICE_HOST": "127.0.0.1",
        "SERVICE_PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen([sys.executable, "-m", "inventory"], env=env, stdout=subprocess.DEVNULL)


async def wait_until_serving(client: httpx.AsyncClient, service: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if service.poll() is not None:
            raise RuntimeError(f"the inventory service exited with {service.returncode}")
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the inventory service did not start within 60 s")


async def measure(name: str, client: httpx.AsyncClient, cycle: Cycle, total: int, concurrency: int) -> ScenarioResult:
    latencies: list[float] = []
    errors = 0
    next_index = 0

    async def worker() -> None:
        nonlocal errors, next_index
        while next_index < total:
            index = next_index
            next_index += 1
            started = time.perf_counter()
            if await cycle(client, index):
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return summarise(name, concurrency, latencies, errors, time.perf_counter() - started)


class Floor:
    """What the cycles need to know about the seeded warehouse."""

    def __init__(self, po_id: int, receiving_bin: int, items: list[tuple[int, int]]) -> None:
        self.po_id = po_id
        self.receiving_bin = receiving_bin
        self.items = items  # (item id, home bin id)

    @classmethod
    async def load(cls, client: httpx.AsyncClient, warehouse_id: int) -> Floor:
        bins = (await client.get("/api/admin/bins", params={"per_page": 100})).json()["bins"]
        by_code = {b["bin_code"]: b["bin_id"] for b in bins}
        items = []
        for number, (_, _, _, home, _) in enumerate(demo_data.ITEMS, start=1):
            found = (await client.get(f"/api/lookup/item/{demo_data.upc(number)}")).json()["item"]
            items.append((found["item_id"], by_code[home]))
        lines = [{"item_id": item_id, "quantity_ordered": 1_000_000} for item_id, _ in items]
        order = await client.post(
            "/api/admin/purchase-orders", json={"po_number": BIG_ORDER, "warehouse_id": warehouse_id, "lines": lines}
        )
        order.raise_for_status()
        return cls(order.json()["purchase_order"]["po_id"], by_code["RECV-01"], items)


async def item_lookup(client: httpx.AsyncClient, index: int) -> bool:
    response = await client.get(f"/api/lookup/item/{demo_data.upc(index % len(demo_data.ITEMS) + 1)}")
    return response.status_code == 200


def receive_putaway(floor: Floor) -> Cycle:
    async def cycle(client: httpx.AsyncClient, index: int) -> bool:
        item_id, home = floor.items[index % len(floor.items)]
        entry = {"item_id": item_id, "quantity": 1, "bin_id": floor.receiving_bin}
        received = await client.post("/api/receiving/receive", json={"po_id": floor.po_id, "items": [entry]})
        if received.status_code != 200:
            return False
        move = {"item_id": item_id, "from_bin_id": floor.receiving_bin, "to_bin_id": home, "quantity": 1}
        return (await client.post("/api/putaway/confirm", json=move)).status_code == 200

    return cycle


async def run(args: argparse.Namespace) -> list[ScenarioResult]:
    url = await bench_database(args.admin_url, DATABASE, "inventory", MIGRATIONS, fresh=True)
    await seed(url)
    keys = generate_identity_keys()
    port = free_port()
    service = start_service(url, args.bootstrap, keys.public_setting, port)
    headers = {HEADER: sign_identity(ADMIN, keys.private, ttl_s=3600)}
    limits = httpx.Limits(max_connections=max(args.concurrency) + 5)
    results = []
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits, timeout=30
        ) as client:
            await wait_until_serving(client, service)
            warehouse_id = (await client.get("/api/warehouses/list")).json()["warehouses"][0]["id"]
            floor = await Floor.load(client, warehouse_id)
            print(f"warming up ({args.warmup} of each)...", file=sys.stderr)
            await measure("warmup", client, item_lookup, args.warmup, 10)
            await measure("warmup", client, receive_putaway(floor), args.warmup, 10)
            for concurrency in args.concurrency:
                print(f"concurrency {concurrency}...", file=sys.stderr)
                results.append(await measure("item_lookup", client, item_lookup, args.requests, concurrency))
                cycles = max(concurrency, args.requests // 4)
                results.append(await measure("receive_putaway", client, receive_putaway(floor), cycles, concurrency))
    finally:
        service.terminate()
        service.wait(timeout=30)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__, warmup=200, concurrency=[1, 10, 50])
    parser.add_argument("--requests", type=int, default=4000, help="lookups per concurrency (cycles: a quarter)")
    args = parse_bench_args(parser, argv)
    results = asyncio.run(run(args))
    print_table(results)
    lookups_50 = next((r for r in results if r.scenario == "item_lookup" and r.concurrency == 50), None)
    notes: dict[str, object] = {"path": "direct to the inventory service (gateway not yet in the path)"}
    if lookups_50 is not None:
        notes["item_lookup_c50_over_sentry_v17"] = round(lookups_50.throughput_per_s / 231, 2)
    print(f"written to {write_results('stock', results, notes)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
