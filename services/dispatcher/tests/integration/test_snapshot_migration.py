"""Migration 006 folds the history the log already holds, so a deployment upgrading to it snapshots at once."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from canonical import testing

pytestmark = pytest.mark.integration

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "006_inventory_snapshot.sql"
ITEM, BIN = str(uuid.uuid4()), str(uuid.uuid4())


def stock(event_type: str, bin_id: int, quantity: int, lot: str | None = None) -> tuple[str, dict[str, Any]]:
    return event_type, {"warehouse_id": 1, "bin_id": bin_id, "item_id": 7, "quantity": quantity, "lot_number": lot}


HISTORY = [
    ("item.created", {"item_id": 7, "external_id": str(uuid.uuid4())}),
    ("item.updated", {"item_id": 7, "external_id": ITEM}),
    ("bin.created", {"bin_id": 3, "external_id": BIN}),
    stock("stock.added", 3, 10),
    stock("stock.allocated", 3, 4),
    stock("stock.released", 3, 1),
    stock("stock.removed", 3, 2),
    stock("stock.added", 3, 5, "L1"),
    stock("stock.added", 4, 6),
    stock("stock.removed", 4, 6),  # emptied: no row
    ("warehouse.created", {"warehouse_id": 1}),
]


async def test_the_migration_folds_the_logged_history(database: testing.TestDatabase) -> None:
    connection = await asyncpg.connect(database.admin_url)
    scratch = connection.transaction()
    await scratch.start()
    try:
        # The migration runs on a copy of the log in a scratch schema, all rolled back at the end.
        await connection.execute(
            "CREATE SCHEMA upgrade_check; SET LOCAL search_path = upgrade_check;"
            " CREATE TABLE integration_events (LIKE public.integration_events INCLUDING ALL)"
        )
        await connection.executemany(
            "INSERT INTO integration_events (cloudevent_id, event_type, event_version, event_timestamp, data)"
            " VALUES (gen_random_uuid(), $1, 1, now(), $2::jsonb)",
            [(event_type, json.dumps(data)) for event_type, data in HISTORY],
        )
        await connection.execute(MIGRATION.read_text())
        positions = await connection.fetch(
            "SELECT bin_id, lot_key, lot_number, quantity_on_hand, quantity_allocated FROM snapshot_positions"
            " ORDER BY bin_id, lot_key"
        )
        items = await connection.fetch("SELECT item_id, external_id::text FROM snapshot_items")
        bins = await connection.fetch("SELECT bin_id, external_id::text FROM snapshot_bins")
    finally:
        await scratch.rollback()
        await connection.close()
    assert [tuple(r) for r in positions] == [(3, "", None, 8, 3), (3, "L1", "L1", 5, 0)]
    assert [tuple(r) for r in items] == [(7, ITEM)]
    assert [tuple(r) for r in bins] == [(3, BIN)]
