"""Stock benchmark: item barcode lookups and receive -> put-away cycles through the gateway.

The inventory service and the gateway run as deployed (`python -m inventory`, `python -m gateway`, their
own processes, uvicorn, their Kafka workers) on loopback ports, on fresh databases (`bench_inventory`
seeded with the demo warehouse through the commands, `bench_stock_gateway`) and fresh Kafka topics.
Clients sign in at the gateway and send its bearer token, as a scanner does.

Scenarios (bounded by --requests):
  item_lookup          GET /api/lookup/item/{upc} over the 20 demo items, through the gateway, at
                       every --concurrency (1, 10, 50).
  receive_putaway      POST /api/receiving/receive (1 unit into RECV-01), then
                       POST /api/putaway/confirm (RECV-01 -> the item's home bin), through the gateway,
                       at every --concurrency; latency is the whole two-request cycle.
  item_lookup_direct   the lookup on the inventory service itself (identity token signed by the bench),
                       at the highest concurrency: the reference for the gateway hop.

Needs PostgreSQL, Redis and Kafka (`make up`, or `scripts/devstack.py infra-up`) and the secrets in
`.env`. Reference from the issue (Sentry v1.7, same machine type): item lookups ~231 req/s, p99 320 ms
at 50 clients; target through the gateway: >= 700 req/s with p99 < 100 ms at 50.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

# Run as `python bench/<name>.py`: the repository root, not bench/, goes first on the path, so
# `bench.benchlib` imports and a script named like a service package cannot shadow that package.
sys.path[0] = str(Path(__file__).resolve().parents[1])
from bench.benchlib import (
    REPO_ROOT,
    LoadClient,
    ScenarioResult,
    bench_database,
    bench_parser,
    dotenv,
    parse_bench_args,
    print_table,
    summarise,
    write_results,
)
from bench.gateway import admin_bearer, inventory_behind_gateway
from canonical.db import create_pool
from canonical.events.registry import default_registry
from canonical.eventstore.store import EventWriter
from canonical.identity import HEADER, sign_identity
from canonical.testing import ADMIN, generate_identity_keys
from inventory.entrypoints import demo_data
from inventory.entrypoints.seed import Seeder

DATABASE = "bench_inventory"
MIGRATIONS = REPO_ROOT / "services" / "inventory" / "migrations"
BIG_ORDER = "PO-BENCH"

Cycle = Callable[[LoadClient, int], Awaitable[bool]]


async def seed(url: str, prefix: str) -> None:
    pool = await create_pool(url, min_size=1, max_size=2)
    try:
        await Seeder(pool, EventWriter(default_registry(), prefix)).run()
    finally:
        await pool.close()


async def measure(name: str, client: LoadClient, cycle: Cycle, total: int, concurrency: int) -> ScenarioResult:
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


async def item_lookup(client: LoadClient, index: int) -> bool:
    status, _ = await client.request("GET", f"/api/lookup/item/{demo_data.upc(index % len(demo_data.ITEMS) + 1)}")
    return status == 200


def receive_putaway(floor: Floor) -> Cycle:
    async def cycle(client: LoadClient, index: int) -> bool:
        item_id, home = floor.items[index % len(floor.items)]
        entry = {"item_id": item_id, "quantity": 1, "bin_id": floor.receiving_bin}
        received, _ = await client.request(
            "POST", "/api/receiving/receive", json={"po_id": floor.po_id, "items": [entry]}
        )
        if received != 200:
            return False
        move = {"item_id": item_id, "from_bin_id": floor.receiving_bin, "to_bin_id": home, "quantity": 1}
        return (await client.request("POST", "/api/putaway/confirm", json=move))[0] == 200

    return cycle


async def run(args: argparse.Namespace, env: dict[str, str]) -> list[ScenarioResult]:
    url = await bench_database(args.admin_url, DATABASE, "inventory", MIGRATIONS, fresh=True)
    gateway_db = await bench_database(
        args.admin_url, "bench_stock_gateway", "gateway", REPO_ROOT / "services" / "gateway" / "migrations", fresh=True
    )
    prefix = f"bench.stock.{uuid.uuid4().hex[:8]}."
    await seed(url, prefix)
    keys = generate_identity_keys()
    with inventory_behind_gateway(env, keys, prefix, inventory_db=url, gateway_db=gateway_db, bench="stock") as stack:
        inventory_url, gateway_url = stack.inventory_url, stack.gateway_url
        signed = {HEADER: sign_identity(ADMIN, keys.private, ttl_s=3600)}
        connections = max(args.concurrency) + 5
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        results = []
        async with (
            httpx.AsyncClient(base_url=inventory_url, headers=signed, limits=limits, timeout=30) as direct,
            httpx.AsyncClient(base_url=gateway_url, limits=limits, timeout=30) as via,
        ):
            bearer = await admin_bearer(via, inventory_url, gateway_url)
            warehouse_id = (await direct.get("/api/warehouses/list")).json()["warehouses"][0]["id"]
            floor = await Floor.load(direct, warehouse_id)
        async with (
            LoadClient(gateway_url, bearer, connections=connections) as through_gateway,
            LoadClient(inventory_url, signed, connections=connections) as to_service,
        ):
            print(f"warming up ({args.warmup} of each)...", file=sys.stderr)
            await measure("warmup", through_gateway, item_lookup, args.warmup, 10)
            await measure("warmup", through_gateway, receive_putaway(floor), args.warmup, 10)
            await measure("warmup", to_service, item_lookup, args.warmup, 10)
            for concurrency in args.concurrency:
                print(f"concurrency {concurrency}...", file=sys.stderr)
                results.append(await measure("item_lookup", through_gateway, item_lookup, args.requests, concurrency))
                cycles = max(concurrency, args.requests // 4)
                results.append(
                    await measure("receive_putaway", through_gateway, receive_putaway(floor), cycles, concurrency)
                )
            top = max(args.concurrency)
            print(f"direct reference at {top}...", file=sys.stderr)
            results.append(await measure("item_lookup_direct", to_service, item_lookup, args.requests, top))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__, warmup=200, concurrency=[1, 10, 50])
    parser.add_argument("--requests", type=int, default=4000, help="lookups per concurrency (cycles: a quarter)")
    args = parse_bench_args(parser, argv)
    env = {**dotenv(), **{k: v for k, v in os.environ.items() if k.isupper()}}
    results = asyncio.run(run(args, env))
    print_table(results)
    top = max(args.concurrency)
    via = next((r for r in results if r.scenario == "item_lookup" and r.concurrency == top), None)
    direct = next((r for r in results if r.scenario == "item_lookup_direct"), None)
    notes: dict[str, object] = {"path": "through the gateway (bearer token); item_lookup_direct: the service itself"}
    if via is not None:
        notes[f"item_lookup_c{top}_over_sentry_v17"] = round(via.throughput_per_s / 231, 2)
        if direct is not None and direct.throughput_per_s:
            notes["gateway_over_direct_throughput"] = round(via.throughput_per_s / direct.throughput_per_s, 2)
    print(f"written to {write_results('stock', results, notes)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
