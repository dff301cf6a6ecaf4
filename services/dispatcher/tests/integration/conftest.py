"""Fixtures for the dispatcher's integration tests: the real PostgreSQL and Kafka, a real receiver over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from canonical.testing import (
    IdentityKeys,
    TestDatabase,
    generate_identity_keys,
    prepare_test_database,
    require_test_database,
    serving,
)

from .support import Receiver

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@pytest.fixture(scope="session")
async def database() -> TestDatabase:
    database = require_test_database("dispatcher")
    await prepare_test_database(database, MIGRATIONS)
    return database


@pytest.fixture(scope="session")
def identity_keys() -> IdentityKeys:
    return generate_identity_keys()


@pytest.fixture(scope="module")
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    """The receiver and its base URL (http://127.0.0.1:<port>)."""
    receiver = Receiver()
    async with serving(receiver.app()) as url:
        yield receiver, url
