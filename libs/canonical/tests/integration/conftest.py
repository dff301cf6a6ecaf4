"""Fixtures for the library's integration tests: a real database and a real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from canonical.events.registry import default_registry
from canonical.eventstore.store import EventWriter
from canonical.testing import (
    TestDatabase,
    prepare_test_database,
    require_test_database,
    unique_topic_prefix,
    wiped_pool,
)

MIGRATIONS = Path(__file__).parent / "migrations"


@pytest.fixture(scope="session")
async def database() -> TestDatabase:
    database = require_test_database("canonical")
    await prepare_test_database(database, MIGRATIONS)
    return database


@pytest.fixture
async def pool(database: TestDatabase) -> AsyncIterator[asyncpg.Pool]:
    async with wiped_pool(database) as pool:
        yield pool


@pytest.fixture
def topic_prefix() -> str:
    return unique_topic_prefix()


@pytest.fixture
def writer(topic_prefix: str) -> EventWriter:
    return EventWriter(default_registry(), topic_prefix)
