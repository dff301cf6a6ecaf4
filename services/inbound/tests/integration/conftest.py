"""The inbound handler against its real test database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import pytest
import yaml

from canonical.events.registry import default_registry
from canonical.eventstore.store import EventWriter
from canonical.testing import TestDatabase, prepare_test_database, require_test_database, wiped_pool
from inbound.adapters.unit_of_work import SOURCE, InboundUnitOfWork
from inbound.domain.mapping.document import MappingDocument

MIGRATIONS = Path(__file__).parents[2] / "migrations"

SHOP = MappingDocument.model_validate(
    yaml.safe_load(
        """
mapping_version: "1"
source_system: shop
version_compare: integer
resources:
  customers:
    canonical_type: customer
    fields:
      - {canonical: name, type: string, source_path: "$.name", required: true}
      - {canonical: email, type: string, source_path: "$.email"}
  sales_orders:
    canonical_type: sales_order
    fields:
      - {canonical: so_number, type: string, source_path: "$.number", required: true}
      - canonical: customer_id
        type: uuid
        source_path: "$.customer"
        required: true
        cross_system_lookup: {source_type: customer}
"""
    )
)


@pytest.fixture(scope="session")
async def inbound_database() -> TestDatabase:
    database = require_test_database("inbound")
    await prepare_test_database(database, MIGRATIONS)
    return database


@pytest.fixture
async def inbound_pool(inbound_database: TestDatabase) -> AsyncIterator[asyncpg.Pool]:
    async with wiped_pool(inbound_database) as pool:
        await pool.execute("INSERT INTO inbound_source_systems (source_system, kind) VALUES ('shop', 'connector')")
        yield pool


@pytest.fixture
def make_unit_of_work(inbound_pool: asyncpg.Pool) -> Callable[[], InboundUnitOfWork]:
    registry = default_registry()
    writer = EventWriter(registry, "test.")
    return lambda: InboundUnitOfWork(inbound_pool, writer, registry, source=SOURCE)


@pytest.fixture
def unit_of_work(make_unit_of_work: Callable[[], InboundUnitOfWork]) -> InboundUnitOfWork:
    return make_unit_of_work()
