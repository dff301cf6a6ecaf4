"""Helpers for the services' test suites (imported only by tests).

The test-database rule of the operator contract: suites that wipe tables run
only against a database named by `<SERVICE>_TEST_DATABASE_URL` that differs
from the application database, so a mistyped URL cannot destroy real data.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from fastapi import FastAPI

from canonical.db import create_pool
from canonical.identity import HEADER, Identity, sign_identity
from canonical.kafka import create_producer, delete_topics_with_prefix
from canonical.migrations import migrate

T = TypeVar("T")


@dataclass(frozen=True)
class TestDatabase:
    __test__ = False  # a fixture value, not a test class for pytest to collect

    service: str
    app_url: str
    admin_url: str


def require_test_database(service: str) -> TestDatabase:
    prefix = service.upper()
    app_url = os.environ.get(f"{prefix}_TEST_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    admin_url = os.environ.get(f"{prefix}_TEST_ADMIN_URL")
    if not app_url or not admin_url:
        pytest.exit(
            f"{prefix}_TEST_DATABASE_URL and {prefix}_TEST_ADMIN_URL must name a separate test database "
            "(`make test` sets them up); refusing to run tests that wipe tables.",
            returncode=4,
        )
    application_urls = {os.environ.get(f"{prefix}_DATABASE_URL"), os.environ.get("DATABASE_URL")}
    if app_url in application_urls or admin_url in application_urls:
        pytest.exit(f"{prefix}_TEST_DATABASE_URL is the application database; refusing to wipe it.", returncode=4)
    return TestDatabase(service, app_url, admin_url)


async def prepare_test_database(database: TestDatabase, migrations: Path) -> None:
    await migrate(
        database.admin_url,
        database.service,
        migrations,
        owner_role=f"{database.service}_owner",
        app_role=database.service,
        report=False,
    )


async def wipe_tables(admin_url: str) -> None:
    """Empty every table but the migration ledger (triggers that forbid DELETE do not fire on TRUNCATE)."""
    connection = await asyncpg.connect(admin_url)
    try:
        tables = await connection.fetch(
            "SELECT quote_ident(tablename) AS name FROM pg_tables"
            " WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
        )
        if tables:
            names = ", ".join(t["name"] for t in tables)
            await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await connection.close()


@asynccontextmanager
async def wiped_pool(database: TestDatabase, *, max_size: int = 8) -> AsyncIterator[asyncpg.Pool]:
    """Empty the test database, then lend a pool on the service's own (least-privilege) role."""
    await wipe_tables(database.admin_url)
    pool = await create_pool(database.app_url, min_size=1, max_size=max_size)
    try:
        yield pool
    finally:
        await pool.close()


def kafka_bootstrap() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


async def publish(topic: str, *payloads: bytes, key: bytes = b"test") -> None:
    """Put raw records on a topic, as another service's relay (or a hostile producer) would."""
    producer = create_producer(kafka_bootstrap(), "test-publisher")
    await producer.start()
    try:
        for payload in payloads:
            await producer.send_and_wait(topic, payload, key=key)
    finally:
        await producer.stop()


TEST_TOPIC_ROOT = "test."
_prefixes_in_use: set[str] = set()


def unique_topic_prefix() -> str:
    """Fresh topics for one test: no event of another test or run can leak into it.

    Every prefix handed out is remembered, so the session can delete its topics
    when it ends (`delete_session_topics`): a broker that kept them would soon
    hold tens of thousands of partitions and run out of file handles.
    """
    prefix = f"{TEST_TOPIC_ROOT}{uuid.uuid4().hex[:10]}."
    _prefixes_in_use.add(prefix)
    return prefix


async def delete_session_topics() -> int:
    deleted = 0
    for prefix in sorted(_prefixes_in_use):
        deleted += len(await delete_topics_with_prefix(kafka_bootstrap(), prefix))
    _prefixes_in_use.clear()
    return deleted


@dataclass(frozen=True)
class IdentityKeys:
    private: Ed25519PrivateKey
    private_setting: str
    public_setting: str

    def headers(self, identity: Identity) -> dict[str, str]:
        return {HEADER: sign_identity(identity, self.private)}


def generate_identity_keys() -> IdentityKeys:
    key = Ed25519PrivateKey.generate()
    raw_private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    raw_public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return IdentityKeys(
        key,
        base64.urlsafe_b64encode(raw_private).decode().rstrip("="),
        base64.urlsafe_b64encode(raw_public).decode().rstrip("="),
    )


ADMIN = Identity(subject="00000000-0000-4000-8000-000000000001", username="admin", role="ADMIN")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


SHUTDOWN_LIMIT_S = 60.0


@asynccontextmanager
async def serving(app: FastAPI, *, stop_within_s: float = SHUTDOWN_LIMIT_S) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on a free loopback port (lifespan included); yield its base URL."""
    port = free_port()
    # proxy_headers=False as in production (run_service): only the gateway interprets X-Forwarded-*.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on", proxy_headers=False)
    server = uvicorn.Server(config)

    async def serve() -> None:
        try:
            await server.serve()
        except SystemExit as refused:  # uvicorn exits when the lifespan start-up fails
            raise RuntimeError(f"the app refused to start (exit code {refused.code}; see its log)") from None

    task = asyncio.ensure_future(serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the app refused to start (see its log)")
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        done, _ = await asyncio.wait([task], timeout=stop_within_s)
        if not done:
            # A hang at shutdown must fail the test that caused it, naming what still runs, not stall the suite.
            stacks = _running_task_stacks(exclude={task, asyncio.current_task()})
            task.cancel()
            await asyncio.wait([task], timeout=5)  # a task that swallows its cancellation is left behind
            raise RuntimeError(f"the app did not stop within {stop_within_s:g} s; still running:\n{stacks}")
        task.result()


def _running_task_stacks(exclude: set[asyncio.Task[Any] | None]) -> str:
    """Each task with the chain of awaits it is suspended in (Task.print_stack shows only the outermost)."""
    stacks = []
    for running in asyncio.all_tasks():
        if running in exclude:
            continue
        lines = [f"{running.get_name()}:"]
        awaited: Any = running.get_coro()
        while awaited is not None:
            frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "ag_frame", None)
            if frame is not None:
                lines.append(f"  {frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
            awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "ag_await", None)
        stacks.append("\n".join(lines))
    return "\n".join(stacks)


async def eventually(
    check: Callable[[], Awaitable[T | None]], *, timeout_s: float = 15.0, interval_s: float = 0.05
) -> T:
    """Poll an async predicate until it returns something truthy; fail with the last value after the timeout."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    last: T | None = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s}s (last value: {last!r})")
