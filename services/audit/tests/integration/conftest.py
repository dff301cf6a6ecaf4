"""The audit service against its real test database and Kafka."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.adapters.chain_store import append_to_chain
from audit.domain.chain import AuditEntry
from canonical.testing import TestDatabase, prepare_test_database, require_test_database, wiped_pool

MIGRATIONS = Path(__file__).parents[2] / "migrations"


@pytest.fixture(scope="session")
async def audit_database() -> TestDatabase:
    database = require_test_database("audit")
    await prepare_test_database(database, MIGRATIONS)
    return database


@pytest.fixture
async def audit_pool(audit_database: TestDatabase) -> AsyncIterator[asyncpg.Pool]:
    async with wiped_pool(audit_database, max_size=4) as pool:
        yield pool


@pytest.fixture
async def admin_connection(audit_database: TestDatabase) -> AsyncIterator[asyncpg.Connection]:
    """A superuser connection: what an attacker with database access could do."""
    connection = await asyncpg.connect(audit_database.admin_url)
    yield connection
    await connection.close()


@pytest.fixture(scope="session")
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


Fill = Callable[..., Awaitable[None]]
Tamper = Callable[[str], Awaitable[None]]


def sample_entry(n: int) -> AuditEntry:
    return AuditEntry(
        event_id=str(uuid.uuid4()),
        action_type="WAREHOUSE_CREATE",
        entity_type="WAREHOUSE",
        entity_id=f"warehouse-{n}",
        actor="admin",
        warehouse_id=n if n % 2 else None,
        device_id="scanner-1" if n % 3 == 0 else None,
        details={"n": n, "note": "ünïcode ✓", "nested": {"z": [1, 2], "a": None}},
        created_at=datetime(2026, 1, 1, 0, 0, n % 60, 123456, tzinfo=UTC),
    )


@pytest.fixture
def fill(audit_pool: asyncpg.Pool) -> Fill:
    """Append `count` sample entries (numbered from `start`) in one transaction, as the consumer does."""

    async def append(count: int, start: int = 1) -> None:
        async with audit_pool.acquire() as connection, connection.transaction():
            await append_to_chain(connection, [sample_entry(n) for n in range(start, start + count)])

    return append


@pytest.fixture
def tamper(admin_connection: asyncpg.Connection) -> Tamper:
    """What someone with owner/superuser rights could do behind the service's back."""

    async def run(statement: str) -> None:
        await admin_connection.execute(
            "ALTER TABLE audit_log DISABLE TRIGGER USER; ALTER TABLE audit_checkpoints DISABLE TRIGGER USER"
        )
        try:
            await admin_connection.execute(statement)
        finally:
            await admin_connection.execute(
                "ALTER TABLE audit_log ENABLE TRIGGER USER; ALTER TABLE audit_checkpoints ENABLE TRIGGER USER"
            )

    return run
