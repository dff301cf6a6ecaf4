"""The audit service against its real test database and Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

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
