"""Picking benchmark: the scanner's pick-confirm cycle (next task -> confirm by UPC) through the gateway.

Each client is a picker working its own batches of 20 tasks: one order of 20 lines, one unit each, of
20 SKUs drawn from --skus items on the demo warehouse's shelves, so pickers meet at a pick face about
as often as on a real floor (--skus 20 makes all of them walk the same 20 faces in step: the worst
case). The cycle: GET /api/picking/batch/{id}/next, then POST /api/picking/confirm with the task's UPC
and quantity; when a batch is done the picker takes the next one. A cycle is one confirmed pick,
committed with its events (task, stock released and removed, order line credited, outbox rows) before
the answer. Latency is the whole two-request cycle. The load comes from aiohttp (bench.benchlib.LoadClient):
httpx spent more CPU per request than the inventory service at 50 connections on these 2 shared cores.

Scenarios, in one run:
  pick_confirm_cycle          through the gateway (bearer token), at every --concurrency (1, 10, 50);
  pick_confirm_cycle_direct   the same cycle on the inventory service itself (identity token signed
                              by the bench), at the highest concurrency: the reference for the gateway hop.

Both services run as their own processes (`python -m inventory`, `python -m gateway`) on loopback, on
fresh databases (`bench_pick_inventory`, `bench_pick_gateway`) and fresh Kafka topics; the batches are
created in-process through the command handlers before the clock starts. Needs PostgreSQL, Redis and
Kafka (`make up` or `scripts/devstack.py infra-up`) and the secrets in `.env`.

Reference from the issue (Sentry v1.7, same machine type): ~182 confirms/s, p99 369 ms at 50 clients
(192/s at 10). Target through the gateway: >= 365 confirms/s with p99 < 150 ms at 50.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import aiohttp
import httpx

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
from inventory.domain.orders.sales_order import NewSoLine
from inventory.domain.stock.adjustment import DirectAdjustment
from inventory.entrypoints import demo_data
from inventory.entrypoints.seed import Seeder
from inventory.service_layer.catalog.items import handle_create_item
from inventory.service_layer.orders.sales_orders import handle_create_sales_order
from inventory.service_layer.picking.batches import handle_create_batch
from inventory.service_layer.stock.adjustments import handle_direct_adjustment

TASKS_PER_BATCH = 20
FAILURES: Counter[str] = Counter()  # why cycles failed, per scenario: they go in the results' notes
Headers = Callable[[], dict[str, str]]


async def prepare(url: str, prefix: str, batches: int, skus: int) -> list[int]:
    """The demo warehouse plus bench items up to `skus` on its shelves, ample stock, and `batches`
    classic batches of 20 pending tasks each (20 different SKUs per order, drawn per order)."""
    pool = await create_pool(url, min_size=1, max_size=2)
    try:
        seeder = Seeder(pool, EventWriter(default_registry(), prefix))
        await seeder.run()
        warehouse_id = int(await pool.fetchval("SELECT warehouse_id FROM warehouses WHERE warehouse_code = 'APT-LAB'"))
        shelves = [r["bin_id"] for r in await pool.fetch("SELECT bin_id FROM bins WHERE pick_sequence > 0")]
        for n in range(len(demo_data.ITEMS) + 1, skus + 1):
            item = {"sku": f"BENCH-{n:04d}", "item_name": f"Bench item {n}", "upc": f"2000{n:08d}"}
            await handle_create_item(
                {**item, "default_bin_id": shelves[n % len(shelves)]}, seeder.uow(), seeder.context
            )
        rows = await pool.fetch("SELECT item_id, default_bin_id FROM items ORDER BY sku")
        units = math.ceil(batches * TASKS_PER_BATCH / len(rows) * 2) + 10
        for row in rows:
            opening = DirectAdjustment(warehouse_id, row["default_bin_id"], row["item_id"], "ADD", units, "bench stock")
            await handle_direct_adjustment(opening, seeder.uow(), seeder.context)
        batch_ids = []
        for n in range(batches):
            number = f"SO-BENCH-{n:05d}"
            fields = {"so_number": number, "warehouse_id": warehouse_id}
            picked = random.Random(n).sample(rows, TASKS_PER_BATCH)
            lines = [NewSoLine(row["item_id"], 1) for row in picked]
            await handle_create_sales_order(fields, lines, seeder.uow(), seeder.context)
            created = await handle_create_batch([number], warehouse_id, seeder.uow(), seeder.context)
            batch_ids.append(created.batch.batch_id)
        return batch_ids
    finally:
        await pool.close()


async def measure(
    name: str, base: str, headers: Headers, batches: list[int], cycles: int, concurrency: int
) -> ScenarioResult:
    """One scenario on a fresh connection pool (a pool idle since start-up holds connections the server closed)."""
    latencies: list[float] = []
    errors = 0
    left = cycles

    async def picker(client: LoadClient) -> None:
        nonlocal errors, left
        batch = batches.pop() if batches else None
        while left > 0 and batch is not None:
            left -= 1  # claimed before the first await, so the run stops at exactly `cycles`
            started = time.perf_counter()
            try:
                _, task = await client.request("GET", f"/api/picking/batch/{batch}/next", headers=headers())
                if "pick_task_id" not in task:
                    left += 1
                    batch = batches.pop() if batches else None
                    continue
                body = {
                    "pick_task_id": task["pick_task_id"],
                    "scanned_barcode": task["upc"],
                    "quantity_picked": task["quantity_to_pick"],
                }
                status, answer = await client.request("POST", "/api/picking/confirm", json=body, headers=headers())
                confirmed = status == 200
                if not confirmed:
                    FAILURES[f"{name}: {status} {(answer or {}).get('code')}"] += 1
            except (aiohttp.ClientError, TimeoutError) as error:
                confirmed = False
                FAILURES[f"{name}: {type(error).__name__}"] += 1
            if confirmed:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1

    async with LoadClient(base, connections=concurrency) as client:
        began = time.perf_counter()
        await asyncio.gather(*(picker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return summarise(name, concurrency, latencies, errors, elapsed)


async def run(args: argparse.Namespace, env: dict[str, str]) -> list[ScenarioResult]:
    keys = generate_identity_keys()
    gateway_db = await bench_database(
        args.admin_url, "bench_pick_gateway", "gateway", REPO_ROOT / "services" / "gateway" / "migrations", fresh=True
    )
    inventory_db = await bench_database(
        args.admin_url,
        "bench_pick_inventory",
        "inventory",
        REPO_ROOT / "services" / "inventory" / "migrations",
        fresh=True,
    )
    prefix = f"bench.{uuid.uuid4().hex[:8]}."
    top = max(args.concurrency)
    # Every picker starts on its own batch; a level needs its cycles plus one partly used batch per picker.
    needed = [args.warmup, *([args.requests] * len(args.concurrency)), args.requests]
    levels = [10, *args.concurrency, top]
    batches_per_level = [math.ceil(n / TASKS_PER_BATCH) + c for n, c in zip(needed, levels, strict=True)]
    print(f"creating {sum(batches_per_level)} batches of {TASKS_PER_BATCH} tasks...", file=sys.stderr)
    batch_ids = await prepare(inventory_db, prefix, sum(batches_per_level), args.skus)
    with inventory_behind_gateway(
        env, keys, prefix, inventory_db=inventory_db, gateway_db=gateway_db, bench="picking"
    ) as stack:
        inventory_url, gateway_url = stack.inventory_url, stack.gateway_url
        limits = httpx.Limits(max_connections=top + 10, max_keepalive_connections=top + 10)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            bearer = await admin_bearer(client, inventory_url, gateway_url)
            signed = {HEADER: sign_identity(ADMIN, keys.private, ttl_s=3600)}
            pools = []
            for count in batches_per_level:
                pools.append(batch_ids[:count])
                del batch_ids[:count]
            print("warming up...", file=sys.stderr)
            await measure("warmup", gateway_url, lambda: bearer, pools[0], args.warmup, 10)
            results = []
            for concurrency, pool in zip(args.concurrency, pools[1:], strict=False):
                print(f"concurrency {concurrency}...", file=sys.stderr)
                results.append(
                    await measure("pick_confirm_cycle", gateway_url, lambda: bearer, pool, args.requests, concurrency)
                )
            print(f"direct reference at {top}...", file=sys.stderr)
            results.append(
                await measure("pick_confirm_cycle_direct", inventory_url, lambda: signed, pools[-1], args.requests, top)
            )
            return results


def main(argv: list[str] | None = None) -> int:
    env = {**dotenv(), **{k: v for k, v in os.environ.items() if k.isupper()}}
    parser = bench_parser(__doc__, warmup=100, concurrency=[1, 10, 50])
    parser.add_argument("--requests", type=int, default=1000, help="confirm cycles per scenario (bounded run)")
    parser.add_argument(
        "--skus", type=int, default=200, help="items on the shelves (20: every picker walks the same 20 pick faces)"
    )
    args = parse_bench_args(parser, argv)
    results = asyncio.run(run(args, env))
    print_table(results)
    notes: dict[str, object] = {"cycle": "GET next + POST confirm; one committed confirm per cycle"}
    via = next(
        (r for r in results if r.scenario == "pick_confirm_cycle" and r.concurrency == max(args.concurrency)), None
    )
    direct = next((r for r in results if r.scenario == "pick_confirm_cycle_direct"), None)
    if via is not None:
        notes["confirms_per_s_over_sentry_v17_c50"] = round(via.throughput_per_s / 182, 2)
        if direct is not None and direct.throughput_per_s:
            notes["gateway_over_direct_throughput"] = round(via.throughput_per_s / direct.throughput_per_s, 2)
    if FAILURES:
        notes["failures"] = dict(FAILURES)
    print(json.dumps(notes, indent=2))
    print(f"written to {write_results('picking', results, notes)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
