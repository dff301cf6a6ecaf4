"""The inventory app served on loopback against its real test database and Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from canonical.db import create_pool
from canonical.testing import (
    ADMIN,
    IdentityKeys,
    generate_identity_keys,
    kafka_bootstrap,
    prepare_test_database,
    require_test_database,
    serving,
    unique_topic_prefix,
    wipe_tables,
)
from inventory.entrypoints.app import create_app
from inventory.settings import Settings

MIGRATIONS = Path(__file__).parents[2] / "migrations"


@pytest.fixture(scope="session")
def identity_keys() -> IdentityKeys:
    return generate_identity_keys()


@pytest.fixture
def inventory_settings(identity_keys: IdentityKeys) -> Settings:
    return Settings(
        database_url=require_test_database("inventory").app_url,
        kafka_bootstrap_servers=kafka_bootstrap(),
        kafka_topic_prefix=unique_topic_prefix(),
        sentry_internal_verify_key=identity_keys.public_setting,
    )


@pytest.fixture
async def inventory(identity_keys: IdentityKeys, inventory_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    database = require_test_database("inventory")
    await prepare_test_database(database, MIGRATIONS)
    await wipe_tables(database.admin_url)
    async with (
        serving(create_app(inventory_settings)) as base_url,
        httpx.AsyncClient(base_url=base_url, headers=identity_keys.headers(ADMIN)) as client,
    ):
        yield client


@pytest.fixture
async def pool(inventory: httpx.AsyncClient) -> AsyncIterator[asyncpg.Pool]:
    """The service's own database role, for reading what the served app committed."""
    pool = await create_pool(require_test_database("inventory").app_url, min_size=1, max_size=2)
    yield pool
    await pool.close()
