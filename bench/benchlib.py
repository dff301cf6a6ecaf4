"""What every benchmark shares: percentiles, the results file, the printed table.

Results follow BENCHMARKS.md: `bench/results/<name>.json` with the date, the
commit, the machine and one row per scenario.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg

from canonical.migrations import migrate
from canonical.testing import IdentityKeys, wipe_tables

RESULTS_DIR = Path(__file__).parent / "results"
REPO_ROOT = Path(__file__).resolve().parents[1]


def dotenv() -> dict[str, str]:
    """The dev stack's .env (URLs and secrets), so a benchmark runs against `make up` with no arguments."""
    path = REPO_ROOT / ".env"
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def bench_parser(
    description: str | None, *, warmup: int, concurrency: list[int] | None = None, concurrency_help: str = ""
) -> argparse.ArgumentParser:
    """The options every benchmark shares; defaults come from the environment, then the dev stack's .env."""
    env = {**dotenv(), **{key: value for key, value in os.environ.items() if key.isupper()}}
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default=env.get("SENTRY_PG_ADMIN_URL"), help="PostgreSQL admin URL")
    parser.add_argument("--bootstrap", default=env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"))
    parser.add_argument("--warmup", type=int, default=warmup, help="unmeasured operations first")
    if concurrency is not None:
        parser.add_argument(
            "--concurrency",
            type=lambda text: [int(part) for part in text.split(",")],
            default=concurrency,
            help=concurrency_help or f"comma-separated levels (default {','.join(map(str, concurrency))})",
        )
    return parser


def parse_bench_args(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    args = parser.parse_args(argv)
    if not args.admin_url:
        parser.error("no --admin-url and no SENTRY_PG_ADMIN_URL in the environment or .env (run `make up` first)")
    return args


async def bench_database(
    admin_url: str, database: str, service: str, migrations: Path | None, *, fresh: bool = False, empty: bool = False
) -> str:
    """A benchmark's own database, migrated like the service's; returns its admin URL.

    `fresh` recreates it (every run measures the same history); `empty` keeps the
    schema but wipes the rows. It runs as the admin user, so no role is narrowed.
    """
    connection = await asyncpg.connect(admin_url)
    try:
        if fresh:
            await connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await connection.execute(f"CREATE DATABASE {database}")
    finally:
        await connection.close()
    url = with_database(admin_url, database)
    app_role = urlsplit(admin_url).username or "postgres"
    with tempfile.TemporaryDirectory() as no_migrations:
        folder = migrations or Path(no_migrations)
        await migrate(url, service, folder, owner_role=None, app_role=app_role, report=False)
    if empty:
        await wipe_tables(url)
    return url


def gateway_stack_env(
    env: Mapping[str, str],
    keys: IdentityKeys,
    prefix: str,
    admin_password: str,
    *,
    inventory_db: str,
    gateway_db: str,
    inventory_port: int,
    gateway_port: int,
) -> tuple[dict[str, str], dict[str, str]]:
    """The environments of an inventory process and of the gateway process in front of it, on loopback.

    Both share the topic prefix and log warnings only. The gateway's rate limiter stays on (its cost is
    part of the hop being measured) with a limit no run reaches; its Redis keys get a fresh prefix so runs
    never share buckets, and its secrets come from `env` (the environment, then .env).
    """
    common = {"KAFKA_TOPIC_PREFIX": prefix, "LOG_LEVEL": "WARNING", "SERVICE_HOST": "127.0.0.1"}
    inventory = {
        **common,
        "DATABASE_URL": inventory_db,
        "SERVICE_PORT": str(inventory_port),
        "SENTRY_INTERNAL_VERIFY_KEY": keys.public_setting,
    }
    gateway = {
        **common,
        "DATABASE_URL": gateway_db,
        "SERVICE_PORT": str(gateway_port),
        "SENTRY_INTERNAL_SIGNING_KEY": keys.private_setting,
        "INVENTORY_URL": f"http://127.0.0.1:{inventory_port}",
        "ADMIN_PASSWORD": admin_password,
        "RATE_LIMIT_ENABLED": "true",
        "RATE_LIMIT_DEFAULT_PER_MIN": "1000000",
        "REDIS_KEY_PREFIX": f"bench:{uuid.uuid4().hex[:8]}:",
    }
    for variable in ("JWT_SECRET", "SENTRY_TOKEN_PEPPER", "SENTRY_PUBSUB_HMAC_KEY", "REDIS_PASSWORD", "REDIS_URL"):
        if variable in env:
            gateway[variable] = env[variable]
    return inventory, gateway


class LoadClient:
    """The HTTP client that generates load: aiohttp, because httpx's connection pool spends more CPU per
    request at 50 connections than the services being measured (profiled on the picking benchmark), and
    the client shares the 2 cores with them. Answers are (status, JSON body or None)."""

    def __init__(self, base_url: str, headers: Mapping[str, str] | None = None, *, connections: int = 100) -> None:
        self._session = aiohttp.ClientSession(
            base_url=base_url,
            headers=dict(headers or {}),
            # Idle connections are dropped before uvicorn's 5 s keep-alive closes them from its side.
            connector=aiohttp.TCPConnector(limit=connections, keepalive_timeout=2),
            timeout=aiohttp.ClientTimeout(total=30),
        )

    async def __aenter__(self) -> LoadClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._session.close()

    async def request(
        self, method: str, path: str, *, json: object = None, headers: Mapping[str, str] | None = None
    ) -> tuple[int, Any]:
        async with self._session.request(method, path, json=json, headers=headers) as answer:
            body = await answer.json(content_type=None) if answer.content_length != 0 else None
            return answer.status, body


@dataclass(frozen=True)
class ScenarioResult:
    scenario: str
    concurrency: int
    requests: int
    errors: int
    throughput_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarise(
    scenario: str, concurrency: int, latencies_s: list[float], errors: int, elapsed_s: float
) -> ScenarioResult:
    ordered = sorted(latencies_s)
    return ScenarioResult(
        scenario=scenario,
        concurrency=concurrency,
        requests=len(ordered) + errors,
        errors=errors,
        throughput_per_s=round(len(ordered) / elapsed_s, 1) if elapsed_s > 0 else 0.0,
        p50_ms=round(percentile(ordered, 0.50) * 1000, 2),
        p95_ms=round(percentile(ordered, 0.95) * 1000, 2),
        p99_ms=round(percentile(ordered, 0.99) * 1000, 2),
    )


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> dict[str, object]:
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {"nproc": os.cpu_count(), "mem_gib": round(pages / 2**30), "python": platform.python_version()}


def write_results(name: str, results: list[ScenarioResult], notes: dict[str, object] | None = None) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    document: dict[str, object] = {
        "benchmark": name,
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_commit": git_commit(),
        "machine": machine(),
        "results": [asdict(r) for r in results],
    }
    if notes:
        document["notes"] = notes
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def print_table(results: list[ScenarioResult]) -> None:
    header = f"{'scenario':<28}{'conc':>6}{'n':>8}{'err':>5}{'per_s':>10}{'p50_ms':>9}{'p95_ms':>9}{'p99_ms':>9}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.scenario:<28}{r.concurrency:>6}{r.requests:>8}{r.errors:>5}{r.throughput_per_s:>10.1f}"
            f"{r.p50_ms:>9.2f}{r.p95_ms:>9.2f}{r.p99_ms:>9.2f}"
        )
