"""WEB_CONCURRENCY > 1: one service served by several uvicorn worker processes, as operators scale it."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import httpx
import pytest

from canonical.testing import eventually, free_port, generate_identity_keys, kafka_bootstrap, unique_topic_prefix
from tests.e2e.stack import fresh_database

pytestmark = pytest.mark.integration

WORKERS = 2


def worker_pids(parent: int) -> list[int]:
    """uvicorn's workers: the parent's children started through multiprocessing."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [
        int(pid)
        for pid in children
        if b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()
        and b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def healthz_count(metrics: str) -> float:
    pattern = r'wms_http_request_duration_seconds_count\{[^}]*route="/healthz"[^}]*\} ([0-9.e+]+)'
    return sum(float(value) for value in re.findall(pattern, metrics))


async def test_several_workers_serve_one_port_add_up_their_metrics_and_stop_on_sigterm() -> None:
    database = await fresh_database("inventory")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database.app_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
        "KAFKA_TOPIC_PREFIX": unique_topic_prefix(),
        "SENTRY_INTERNAL_VERIFY_KEY": generate_identity_keys().public_setting,
        "SERVICE_PORT": str(port),
        "WEB_CONCURRENCY": str(WORKERS),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "inventory", env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        base_url = f"http://127.0.0.1:{port}"

        async def ready() -> bool:
            try:
                async with httpx.AsyncClient(base_url=base_url) as client:
                    return (await client.get("/readyz")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(ready, timeout_s=60)
        assert len(worker_pids(process.pid)) == WORKERS
        requests = 40
        for _ in range(requests):  # a connection each, so the kernel hands them to either worker
            async with httpx.AsyncClient(base_url=base_url) as client:
                assert (await client.get("/healthz")).status_code == 200
        async with httpx.AsyncClient(base_url=base_url) as client:
            assert healthz_count((await client.get("/metrics")).text) >= requests
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, errors[-2000:].decode()
