"""The audit service against its real test database and Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from canonical.db import create_pool
from canonical.testing import TestDatabase, prepare_test_database, require_test_database, wipe_tables

MIGRATIONS = Path(__file__).parents[2] / "migrations"


@pytest.fixture(scope="session")
async def audit_database() -> TestDatabase:
    database = require_test_database("audit")
    await prepare_test_database(database, MIGRATIONS)
    return database


@pytest.fixture
async def audit_pool(audit_database: TestDatabase) -> AsyncIterator[asyncpg.Pool]:
    await wipe_tables(audit_database.admin_url)
    pool = await create_pool(audit_database.app_url, min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def admin_connection(audit_database: TestDatabase) -> AsyncIterator[asyncpg.Connection]:
    """A superuser connection: what an attacker with database access could do."""
    connection = await asyncpg.connect(audit_database.admin_url)
    yield connection
    await connection.close()
