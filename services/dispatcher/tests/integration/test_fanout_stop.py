"""Stopping the dispatcher while the fan-out is in the middle of a batch: prompt, and nothing lost or doubled."""

from __future__ import annotations

import asyncpg
import pytest

from canonical.events.registry import topic_name
from canonical.kafka import ensure_topics
from canonical.testing import IdentityKeys, TestDatabase, eventually, kafka_bootstrap, publish, serving, wipe_tables
from dispatcher.entrypoints.app import create_app

from .support import dispatcher_settings, warehouse_created

pytestmark = pytest.mark.integration

EVENTS = 3000


async def numbered(database: TestDatabase) -> int:
    connection = await asyncpg.connect(database.admin_url)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM integration_events"))
    finally:
        await connection.close()


async def test_a_stop_mid_batch_is_prompt_and_the_rest_is_numbered_once_after_restart(
    database: TestDatabase, identity_keys: IdentityKeys
) -> None:
    await wipe_tables(database.admin_url)
    settings = dispatcher_settings(database, identity_keys.public_setting, allow_internal=False, shutdown_drain_s=2)
    events = [warehouse_created(n) for n in range(1, EVENTS + 1)]
    topic = topic_name(settings.kafka_topic_prefix, "catalog")
    await ensure_topics(kafka_bootstrap(), [topic], partitions=1, replication_factor=1)
    await publish(topic, *(e.to_json() for e in events))

    async def busy() -> bool:
        return 0 < await numbered(database) < EVENTS

    # Leaving `serving` stops the app; it raises if that takes longer than the bound (faust once waited for
    # ever for the messages of the interrupted batch).
    async with serving(create_app(settings), stop_within_s=20):
        await eventually(busy, timeout_s=30, interval_s=0.01)
    assert await numbered(database) < EVENTS  # stopped part-way

    async with serving(create_app(settings)):

        async def all_numbered() -> bool:
            return await numbered(database) >= EVENTS

        await eventually(all_numbered, timeout_s=60)
    connection = await asyncpg.connect(database.admin_url)
    try:
        distinct = await connection.fetchval("SELECT count(DISTINCT cloudevent_id) FROM integration_events")
        total = await connection.fetchval("SELECT count(*) FROM integration_events")
    finally:
        await connection.close()
    assert (distinct, total) == (EVENTS, EVENTS)
