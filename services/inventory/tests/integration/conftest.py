"""The inventory app served on loopback against its real test database and Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

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
async def inventory(identity_keys: IdentityKeys) -> AsyncIterator[httpx.AsyncClient]:
    database = require_test_database("inventory")
    await prepare_test_database(database, MIGRATIONS)
    await wipe_tables(database.admin_url)
    settings = Settings(
        database_url=database.app_url,
        kafka_bootstrap_servers=kafka_bootstrap(),
        kafka_topic_prefix=unique_topic_prefix(),
        sentry_internal_verify_key=identity_keys.public_setting,
    )
    async with (
        serving(create_app(settings)) as base_url,
        httpx.AsyncClient(base_url=base_url, headers=identity_keys.headers(ADMIN)) as client,
    ):
        yield client
