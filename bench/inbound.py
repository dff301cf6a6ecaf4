"""Inbound benchmark: external systems pushing records into the inbound API, applied by inventory.

Both services run as deployed (`python -m inbound`, `python -m inventory`: their
own processes, uvicorn, their Kafka workers) on loopback ports, on databases of
their own (`bench_in_inbound`, `bench_in_inventory`, recreated every run) and
fresh Kafka topics. The source system `bench` is allow-listed with the annotated
template as its mapping document (derived expressions, enums, cross-system
lookups, line items). Requests carry the internal identity the gateway forwards
for an API token bound to `bench` (the gateway's own cost is bench/gateway.py's).

Before measuring, reference data is pushed and applied: items, customers and
vendors that orders refer to. Then, at every --concurrency (default 20 and 50),
--requests POSTs cycle over the five endpoints (items, customers, vendors,
purchase_orders with 2-6 lines, sales_orders with 1-4 lines; one item in four
is an update of an existing item with a newer version):

  sync_mixed    the default: each POST answers once inventory has applied the
                record (201) or after INBOUND_APPLY_WAIT_MS (202);
  async_mixed   `Prefer: respond-async`: 202 once the record is staged and its
                event committed; the run then waits until inventory applied all.

The load comes from aiohttp (bench.benchlib.LoadClient); httpx, used for setting up, spent half a core
of the 2 shared ones at these rates. Every run checks durability: each accepted request has its staged row and
inventory's outcome (`applied`); 5xx and transport errors count as errors.
Needs PostgreSQL and Kafka (`make up` or `scripts/devstack.py infra-up`).
Reference (issue #8): Sentry v1.7 serves 62 req/s at 10 clients and 63 req/s
(p99 986 ms) at 50; the target is >= 310 accepted requests/s, p95 < 150 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
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
    parse_bench_args,
    percentile,
    print_table,
    summarise,
    write_results,
)
from canonical.identity import HEADER, Identity, sign_identity
from canonical.testing import ADMIN, free_port, generate_identity_keys

SOURCE = "bench"
RESOURCES = ("items", "customers", "vendors", "purchase_orders", "sales_orders")
TEMPLATE = REPO_ROOT / "services" / "inbound" / "mappings" / "example-template.yaml.template"
TOKEN = Identity(
    subject="system:wms_token:1",
    username="bench-feed",
    role="TOKEN",
    scopes=tuple(f"inbound:{r}" for r in RESOURCES),
    extra={"source_system": SOURCE, "inbound_resources": list(RESOURCES)},
)
SENTRY_V17_REQUESTS_PER_S = 63
TARGET_REQUESTS_PER_S = 310


def version() -> str:
    """External versions compare as ISO timestamps (the template's strategy): later is newer."""
    return datetime.now(UTC).isoformat()


@dataclass
class Catalogue:
    """The references orders use: external ids of records already applied."""

    warehouse_id: int
    skus: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    vendors: list[str] = field(default_factory=list)


class Payloads:
    """Realistic source payloads in the template's shape, with fresh external ids per run."""

    def __init__(self, catalogue: Catalogue, run: str, seed: int = 7) -> None:
        self._catalogue = catalogue
        self._run = run
        self._random = random.Random(seed)
        self._counter = itertools.count(1)

    def next_id(self, prefix: str) -> str:
        return f"{prefix}-{self._run}-{next(self._counter)}"

    def item(self, sku: str | None = None) -> tuple[str, dict[str, Any]]:
        sku = sku or self.next_id("SKU")
        rnd = self._random
        payload = {
            "sku": sku,
            "title": f"Hex bolt M{rnd.randint(3, 24)} x {rnd.randint(10, 200)} zinc",
            "barcode": f"{rnd.randint(10**11, 10**12 - 1)}",
            "weight_grams": rnd.randint(5, 25_000),
            "category": rnd.choice(["TOOLS", "PARTS", "CONSUMABLES"]),
        }
        return sku, payload

    def customer(self) -> tuple[str, dict[str, Any]]:
        external_id = self.next_id("CUST")
        name = f"Customer {external_id}"
        return external_id, {"name": name, "email": f"{external_id.lower()}@example.com", "phone": "+1 555 0100"}

    def vendor(self) -> tuple[str, dict[str, Any]]:
        external_id = self.next_id("VEND")
        return external_id, {"company": f"Vendor {external_id} GmbH", "terms": self._random.choice(["NET30", "NET60"])}

    def purchase_order(self) -> tuple[str, dict[str, Any]]:
        external_id = self.next_id("PO")
        rnd = self._random
        lines = [
            {"sku": sku, "quantity": rnd.randint(1, 500), "cost": f"{rnd.uniform(0.1, 90):.2f}"}
            for sku in rnd.sample(self._catalogue.skus, rnd.randint(2, 6))
        ]
        payload = {
            "po": external_id,
            "warehouse": self._catalogue.warehouse_id,
            "vendor_id": rnd.choice(self._catalogue.vendors),
            "eta": "2026-12-24T08:00:00+00:00",
            "lines": lines,
        }
        return external_id, payload

    def sales_order(self) -> tuple[str, dict[str, Any]]:
        external_id = self.next_id("SO")
        rnd = self._random
        lines = [
            {"position": position, "sku": sku, "quantity": rnd.randint(1, 12)}
            for position, sku in enumerate(rnd.sample(self._catalogue.skus, rnd.randint(1, 4)), start=1)
        ]
        payload = {
            "order_number": external_id,
            "warehouse": self._catalogue.warehouse_id,
            "customer_id": rnd.choice(self._catalogue.customers),
            "shipping": rnd.choice(["GROUND", "EXPRESS"]),
            "lines": lines,
        }
        return external_id, payload

    def request(self, index: int, in_flight: set[str]) -> tuple[str, str, dict[str, Any]]:
        """(resource, external id, source payload) of the index-th request of a scenario."""
        resource = RESOURCES[index % len(RESOURCES)]
        if resource == "items":
            # One item in four is a newer version of a catalogue item (an ERP re-sending a change); never
            # one whose previous version is still in flight, which could overtake it and be refused as stale.
            skus = self._catalogue.skus
            sku = skus[(index // 4) % len(skus)] if index % 4 == 0 else None
            return (resource, *self.item(None if sku in in_flight else sku))
        make = {
            "customers": self.customer,
            "vendors": self.vendor,
            "purchase_orders": self.purchase_order,
            "sales_orders": self.sales_order,
        }[resource]
        return (resource, *make())


def body(external_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"external_id": external_id, "external_version": version(), "source_payload": payload}


def start(module: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", module], env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
        )


async def wait_ready(client: httpx.AsyncClient, url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} (see .local/logs/bench-{what}.log)")
        try:
            if (await client.get(f"{url}/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{what} was not ready within 90 s")


@dataclass
class Run:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {r: [] for r in RESOURCES})
    statuses: Counter[str] = field(default_factory=Counter)
    accepted: list[str] = field(default_factory=list)  # external ids the service accepted
    elapsed_s: float = 0.0

    @property
    def all_latencies(self) -> list[float]:
        return [value for values in self.latencies.values() for value in values]

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if not status.startswith("2"))


async def drive(
    client: LoadClient, payloads: Payloads, requests: int, concurrency: int, headers: dict[str, str]
) -> Run:
    run = Run()
    remaining = iter(range(requests))
    in_flight: set[str] = set()

    async def worker() -> None:
        for index in remaining:
            resource, external_id, payload = payloads.request(index, in_flight)
            in_flight.add(external_id)
            started = time.perf_counter()
            try:
                code, answer = await client.request(
                    "POST", f"/api/v1/inbound/{resource}", json=body(external_id, payload), headers=headers
                )
                status = str(code)
                if code >= 300:  # which refusal: e.g. 503:service_unavailable, 409:stale_version
                    status += f":{(answer or {}).get('code', '?')}"
            except (aiohttp.ClientError, TimeoutError) as error:
                status = type(error).__name__
            in_flight.discard(external_id)
            run.statuses[status] += 1
            if status.startswith("2"):
                run.latencies[resource].append(time.perf_counter() - started)
                run.accepted.append(external_id)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    run.elapsed_s = time.perf_counter() - began
    return run


async def drained(pool: asyncpg.Pool, external_ids: list[str], timeout_s: float) -> dict[str, Any]:
    """Wait until inventory has answered every accepted record; what became of them, and how long it took."""
    started = time.perf_counter()
    while True:
        rows = await pool.fetch(
            "SELECT DISTINCT ON (external_id) external_id, apply_state, apply_error_code FROM inbound_records"
            " WHERE source_system = $1 AND external_id = ANY($2::text[]) ORDER BY external_id, inbound_id DESC",
            SOURCE,
            external_ids,
        )
        states = Counter(r["apply_state"] for r in rows)
        if states["pending"] == 0 or time.perf_counter() - started > timeout_s:
            break
        await asyncio.sleep(0.25)
    rejected = Counter(r["apply_error_code"] for r in rows if r["apply_state"] == "rejected")
    return {
        "accepted": len(set(external_ids)),
        "staged": len(rows),
        "applied": states["applied"],
        "rejected": dict(rejected),
        "pending": states["pending"],
        "drain_s": round(time.perf_counter() - started, 2),
    }


async def push_references(client: httpx.AsyncClient, payloads: Payloads, catalogue: Catalogue, size: int) -> None:
    """Items, customers and vendors the orders refer to, each applied before the measurement starts."""

    async def push(resource: str, external_id: str, payload: dict[str, Any]) -> None:
        response = await client.post(f"/api/v1/inbound/{resource}", json=body(external_id, payload))
        if response.status_code != 201:
            raise RuntimeError(f"reference {resource} {external_id}: {response.status_code} {response.text}")

    for _ in range(size):
        sku, item = payloads.item()
        customer_id, customer = payloads.customer()
        vendor_id, vendor = payloads.vendor()
        await asyncio.gather(
            push("items", sku, item), push("customers", customer_id, customer), push("vendors", vendor_id, vendor)
        )
        catalogue.skus.append(sku)
        catalogue.customers.append(customer_id)
        catalogue.vendors.append(vendor_id)


def result(name: str, concurrency: int, run: Run) -> ScenarioResult:
    return summarise(name, concurrency, run.all_latencies, run.errors, run.elapsed_s)


def per_resource_p95(run: Run) -> dict[str, float]:
    return {r: round(percentile(sorted(v), 0.95) * 1000, 1) for r, v in run.latencies.items() if v}


async def prepare(args: argparse.Namespace, mappings: Path) -> tuple[str, str]:
    inbound_url = await bench_database(
        args.admin_url, "bench_in_inbound", "inbound", REPO_ROOT / "services" / "inbound" / "migrations", fresh=True
    )
    inventory_url = await bench_database(
        args.admin_url,
        "bench_in_inventory",
        "inventory",
        REPO_ROOT / "services" / "inventory" / "migrations",
        fresh=True,
    )
    connection = await asyncpg.connect(inbound_url)
    try:
        await connection.execute(
            "INSERT INTO inbound_source_systems (source_system, kind) VALUES ($1, 'connector')", SOURCE
        )
    finally:
        await connection.close()
    (mappings / f"{SOURCE}.yaml").write_text(
        TEMPLATE.read_text().replace("source_system: example-template", f"source_system: {SOURCE}")
    )
    return inbound_url, inventory_url


async def run(args: argparse.Namespace, notes: dict[str, Any]) -> list[ScenarioResult]:
    keys = generate_identity_keys()
    logs = REPO_ROOT / ".local" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as mappings_dir:
        inbound_db, inventory_db = await prepare(args, Path(mappings_dir))
        common = {
            "KAFKA_BOOTSTRAP_SERVERS": args.bootstrap,
            "KAFKA_TOPIC_PREFIX": f"bench.{uuid.uuid4().hex[:8]}.",
            "LOG_LEVEL": "WARNING",
            "SERVICE_HOST": "127.0.0.1",
            "SENTRY_INTERNAL_VERIFY_KEY": keys.public_setting,
            "DATABASE_POOL_MAX": str(args.pool),
        }
        inbound_port, inventory_port = free_port(), free_port()
        inventory = start(
            "inventory",
            {**common, "DATABASE_URL": inventory_db, "SERVICE_PORT": str(inventory_port)},
            logs / "bench-inventory.log",
        )
        inbound = start(
            "inbound",
            {
                **common,
                "DATABASE_URL": inbound_db,
                "SERVICE_PORT": str(inbound_port),
                "SENTRY_TOKEN_PEPPER": uuid.uuid4().hex * 2,
                "SENTRY_INBOUND_MAPPINGS_DIR": mappings_dir,
                "INBOUND_APPLY_WAIT_MS": str(args.apply_wait_ms),
            },
            logs / "bench-inbound.log",
        )
        print(f"inbound pid {inbound.pid}, inventory pid {inventory.pid}", file=sys.stderr)
        pool = await asyncpg.create_pool(inbound_db, min_size=1, max_size=2)
        try:
            async with (
                httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{inventory_port}",
                    headers={HEADER: sign_identity(ADMIN, keys.private, ttl_s=7200)},
                    timeout=30,
                ) as inventory_client,
                httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{inbound_port}",
                    headers={HEADER: sign_identity(TOKEN, keys.private, ttl_s=7200)},
                    timeout=60,
                ) as client,
            ):
                await wait_ready(inventory_client, str(inventory_client.base_url), inventory, "inventory")
                await wait_ready(client, str(client.base_url), inbound, "inbound")
                warehouse = await inventory_client.post(
                    "/api/admin/warehouses", json={"warehouse_code": "BENCH", "warehouse_name": "Bench"}
                )
                warehouse.raise_for_status()
                catalogue = Catalogue(warehouse.json()["warehouse_id"])
                payloads = Payloads(catalogue, uuid.uuid4().hex[:6])
                print(f"pushing {args.references} x 3 reference records...", file=sys.stderr)
                await push_references(client, payloads, catalogue, args.references)
            async with LoadClient(
                f"http://127.0.0.1:{inbound_port}",
                {HEADER: sign_identity(TOKEN, keys.private, ttl_s=7200)},
                connections=max(args.concurrency),
            ) as load:
                print(f"warming up ({args.warmup})...", file=sys.stderr)
                await drive(load, payloads, args.warmup, 10, {})
                results = []
                modes: list[tuple[str, dict[str, str]]] = [
                    ("sync_mixed", {}),
                    ("async_mixed", {"Prefer": "respond-async"}),
                ]
                for concurrency in args.concurrency:
                    for name, headers in modes:
                        print(f"{name} at {concurrency}...", file=sys.stderr)
                        measured = await drive(load, payloads, args.requests, concurrency, headers)
                        results.append(result(name, concurrency, measured))
                        key = f"{name}_c{concurrency}"
                        notes[key] = {
                            "statuses": dict(measured.statuses),
                            "p95_ms_by_resource": per_resource_p95(measured),
                            "durability": await drained(pool, measured.accepted, args.drain_timeout),
                        }
                return results
        finally:
            await pool.close()
            for process in (inbound, inventory):
                process.terminate()
            for process in (inbound, inventory):
                process.wait(timeout=30)


def summary_notes(results: list[ScenarioResult], notes: dict[str, Any], apply_wait_ms: int) -> None:
    notes["path"] = "direct to the inbound service with the identity the gateway forwards for an API token"
    notes["apply_wait_ms"] = apply_wait_ms
    notes["reference_sentry_v17_requests_per_s"] = SENTRY_V17_REQUESTS_PER_S
    for r in results:
        notes[f"{r.scenario}_c{r.concurrency}_over_sentry_v17"] = round(
            r.throughput_per_s / SENTRY_V17_REQUESTS_PER_S, 2
        )


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__, warmup=100, concurrency=[20, 50])
    parser.add_argument("--requests", type=int, default=2000, help="POSTs per scenario and concurrency (bounded)")
    parser.add_argument("--references", type=int, default=40, help="items, customers and vendors pushed first")
    parser.add_argument("--apply-wait-ms", type=int, default=5000, help="INBOUND_APPLY_WAIT_MS of the service")
    parser.add_argument("--pool", type=int, default=20, help="DATABASE_POOL_MAX of both services")
    parser.add_argument("--drain-timeout", type=float, default=180.0, help="seconds to wait for inventory to apply")
    args = parse_bench_args(parser, argv)
    notes: dict[str, Any] = {}
    results = asyncio.run(run(args, notes))
    print_table(results)
    summary_notes(results, notes, args.apply_wait_ms)
    print(json.dumps(notes, indent=2))
    print(f"written to {write_results('inbound', results, notes)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
