"""The gateway served on loopback against its real test database, Redis and Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from canonical.testing import (
    IdentityKeys,
    eventually,
    generate_identity_keys,
    prepare_test_database,
    require_test_database,
    serving,
    wipe_tables,
)
from gateway.entrypoints.app import create_app
from gateway.testing import Gateway, StartGateway, gateway_settings

MIGRATIONS = Path(__file__).parents[2] / "migrations"


@pytest.fixture(scope="session")
def identity_keys() -> IdentityKeys:
    return generate_identity_keys()


@pytest.fixture
async def start_gateway(identity_keys: IdentityKeys) -> AsyncIterator[StartGateway]:
    """Start gateways on one freshly wiped database; keyword arguments override their settings."""
    database = require_test_database("gateway")
    await prepare_test_database(database, MIGRATIONS)
    await wipe_tables(database.admin_url)
    async with AsyncExitStack() as stack:

        async def start(**overrides: Any) -> Gateway:
            settings = gateway_settings(database, identity_keys, **overrides)
            url = await stack.enter_async_context(serving(create_app(settings)))
            running = Gateway(url, database, identity_keys, settings)

            async def seeded() -> bool:
                return bool(await running.sql("SELECT 1 FROM users WHERE username = 'admin'"))

            await eventually(seeded)
            return running

        yield start


@pytest.fixture
async def gateway(start_gateway: StartGateway) -> Gateway:
    return await start_gateway()
