"""Gateway benchmark: the added latency of the gateway hop and its throughput.

Scenarios, each at every --concurrency (default 10 and 50), in the same run:
- `inventory_direct`: GET /api/warehouses/list on the inventory service itself,
  with one internal identity token (the gateway reuses one per caller for 10 s);
- `via_gateway`: the same request through the gateway with a user's bearer
  token: access-token check, the session's user (cached until the database
  says it changed), rate limiter (on, with limits high enough never to refuse),
  the internal identity token and forwarding.

The load comes from aiohttp (bench.benchlib.LoadClient): httpx, used before,
cost the client more CPU than the hop it measured.

Besides latency and throughput, the notes give the CPU milliseconds each
process spent per request in each scenario (`<process>_cpu_ms_per_request_*`):
on a shared machine that figure moves far less than latency does.

Both services run as their own processes (`python -m inventory`,
`python -m gateway`) on loopback ports, on databases of their own
(`bench_gw_gateway`, `bench_gw_inventory`) and fresh Kafka topics. Needs
PostgreSQL, Redis and Kafka (`make up` or `scripts/devstack.py infra-up`) and
the secrets in `.env`. Bounded by --requests per scenario.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
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
    gateway_stack_env,
    parse_bench_args,
    print_table,
    summarise,
    write_results,
)
from canonical.identity import HEADER, Identity, sign_identity
from canonical.testing import IdentityKeys, generate_identity_keys

ADMIN_PASSWORD = "Bench-pass-2026"  # noqa: S105 (the throwaway bench database's admin)
SYSTEM = Identity(subject="system:bench", username="bench", role="SYSTEM")
PATH = "/api/warehouses/list"  # one indexed read behind both, so the difference is the hop


def cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """User + system CPU the process has used so far (Linux /proc): unlike latency, barely moved by
    other load on a shared machine, so it is the steadier measure of what one hop costs."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(module: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", module], env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
        )


@dataclass(frozen=True)
class ServedStack:
    inventory_url: str
    gateway_url: str
    processes: dict[str, subprocess.Popen[bytes]]  # by module name, e.g. for their CPU time


@contextmanager
def inventory_behind_gateway(
    env: dict[str, str], keys: IdentityKeys, prefix: str, *, inventory_db: str, gateway_db: str, bench: str
) -> Iterator[ServedStack]:
    """`python -m inventory` and `python -m gateway` in front of it on loopback ports, logging to
    .local/logs/bench-<bench>-<service>.log; both are stopped when the block ends."""
    inventory_port, gateway_port = free_port(), free_port()
    logs = REPO_ROOT / ".local" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    inventory_env, gateway_env = gateway_stack_env(
        env,
        keys,
        prefix,
        ADMIN_PASSWORD,
        inventory_db=inventory_db,
        gateway_db=gateway_db,
        inventory_port=inventory_port,
        gateway_port=gateway_port,
    )
    processes = {
        "inventory": start("inventory", inventory_env, logs / f"bench-{bench}-inventory.log"),
        "gateway": start("gateway", gateway_env, logs / f"bench-{bench}-gateway.log"),
    }
    try:
        yield ServedStack(f"http://127.0.0.1:{inventory_port}", f"http://127.0.0.1:{gateway_port}", processes)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(timeout=30)


async def wait_until(check: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if await check():
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {timeout_s}s")


async def ready(client: httpx.AsyncClient, url: str) -> bool:
    return (await client.get(f"{url}/readyz")).status_code == 200


async def admin_bearer(client: httpx.AsyncClient, inventory_url: str, gateway_url: str) -> dict[str, str]:
    """Once inventory and the gateway are ready and the seeded admin can sign in: the admin's bearer header."""
    await wait_until(lambda: ready(client, inventory_url), "inventory")
    await wait_until(lambda: ready(client, gateway_url), "gateway")
    bearer: dict[str, str] = {}

    async def logged_in() -> bool:
        answer = await client.post(
            f"{gateway_url}/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        if answer.status_code == 200:
            bearer["Authorization"] = f"Bearer {answer.json()['token']}"
        return answer.status_code == 200

    await wait_until(logged_in, "the seeded admin")
    return bearer


async def load(
    client: LoadClient, path: str, requests: int, concurrency: int
) -> tuple[list[float], Counter[str], float]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    remaining = iter(range(requests))

    async def worker() -> None:
        for _ in remaining:
            started = time.perf_counter()
            try:
                status, _ = await client.request("GET", path)
                outcome = "ok" if status == 200 else str(status)
            except (aiohttp.ClientError, TimeoutError) as error:
                outcome = type(error).__name__
            if outcome == "ok":
                latencies.append(time.perf_counter() - started)
            else:
                errors[outcome] += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - began


async def run(
    args: argparse.Namespace, env: dict[str, str], error_kinds: dict[str, object], cpu: dict[str, object]
) -> list[ScenarioResult]:
    keys = generate_identity_keys()
    gateway_db = await bench_database(
        args.admin_url, "bench_gw_gateway", "gateway", REPO_ROOT / "services" / "gateway" / "migrations", empty=True
    )
    inventory_db = await bench_database(
        args.admin_url,
        "bench_gw_inventory",
        "inventory",
        REPO_ROOT / "services" / "inventory" / "migrations",
        empty=True,
    )
    prefix = f"bench.{uuid.uuid4().hex[:8]}."
    with inventory_behind_gateway(
        env, keys, prefix, inventory_db=inventory_db, gateway_db=gateway_db, bench="gateway"
    ) as stack:
        inventory_url, gateway_url = stack.inventory_url, stack.gateway_url
        async with httpx.AsyncClient(timeout=30) as client:
            bearer = await admin_bearer(client, inventory_url, gateway_url)
            created = await client.post(
                f"{gateway_url}/api/admin/warehouses",
                json={"warehouse_code": "BENCH", "warehouse_name": "Bench"},
                headers=bearer,
            )
            created.raise_for_status()
        # The gateway reuses an identity token for 10 s per caller; the direct reference signs one, as it would.
        signed = {HEADER: sign_identity(SYSTEM, keys.private, ttl_s=3600)}
        async with (
            LoadClient(inventory_url, signed) as direct,
            LoadClient(gateway_url, bearer) as through_gateway,
        ):
            scenarios: list[tuple[str, LoadClient]] = [("inventory_direct", direct), ("via_gateway", through_gateway)]
            results = []
            for concurrency in args.concurrency:
                for name, load_client in scenarios:
                    await load(load_client, PATH, args.warmup, concurrency)
                    used_before = {p: cpu_seconds(process) for p, process in stack.processes.items()}
                    latencies, errors, elapsed = await load(load_client, PATH, args.requests, concurrency)
                    results.append(summarise(name, concurrency, latencies, sum(errors.values()), elapsed))
                    for p, process in stack.processes.items():
                        per_request_ms = (cpu_seconds(process) - used_before[p]) * 1000 / args.requests
                        cpu[f"{p}_cpu_ms_per_request_{name}_c{concurrency}"] = round(per_request_ms, 3)
                    if errors:
                        error_kinds[f"{name}_c{concurrency}"] = dict(errors)
            return results


def main(argv: list[str] | None = None) -> int:
    env = {**dotenv(), **{k: v for k, v in os.environ.items() if k.isupper()}}
    parser = bench_parser(__doc__, warmup=200, concurrency=[10, 50])
    parser.add_argument("--requests", type=int, default=3000, help="requests per scenario (bounded run)")
    args = parse_bench_args(parser, argv)
    error_kinds: dict[str, object] = {}
    cpu: dict[str, object] = {}
    results = asyncio.run(run(args, env, error_kinds, cpu))
    print_table(results)
    notes: dict[str, object] = {"errors_by_kind": error_kinds} if error_kinds else {}
    notes.update(cpu)
    for concurrency in args.concurrency:
        direct, via = (r for r in results if r.concurrency == concurrency)
        notes[f"added_p50_ms_c{concurrency}"] = round(via.p50_ms - direct.p50_ms, 2)
        notes[f"added_p99_ms_c{concurrency}"] = round(via.p99_ms - direct.p99_ms, 2)
        notes[f"throughput_gateway_over_direct_c{concurrency}"] = round(
            via.throughput_per_s / direct.throughput_per_s, 2
        )
    print(json.dumps(notes, indent=2))
    print(f"written to {write_results('gateway', results, notes)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
