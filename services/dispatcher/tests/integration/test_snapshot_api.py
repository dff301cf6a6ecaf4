"""The inventory snapshot for API tokens: positions folded from the logged stock events, one consistent moment
per scan, keyset pages, and the scan rules of integration-security 4.6."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from canonical import testing
from canonical.events.envelope import CloudEvent
from canonical.events.registry import topic_name
from canonical.identity import Identity
from canonical.testing import IdentityKeys, eventually, publish

from .support import Dispatcher, database_connection, inventory_event, running_dispatcher

pytestmark = pytest.mark.integration

PATH = "/api/v1/snapshot/inventory"
WH, OTHER = 1, 2
BIN_A, BIN_B, FOREIGN_BIN = 11, 12, 21
ITEMS = (101, 102, 103)


def token(
    keys: IdentityKeys, token_id: int, *warehouses: int, scopes: tuple[str, ...] = ("endpoint:snapshot.inventory",)
) -> dict[str, str]:
    return keys.headers(
        Identity(
            subject=f"system:wms_token:{token_id}",
            username=f"t{token_id}",
            role="TOKEN",
            warehouse_ids=warehouses,
            scopes=scopes,
        )
    )


def item_created(item_id: int) -> CloudEvent:
    now = datetime.now(UTC).isoformat()
    data = {
        "item_id": item_id,
        "external_id": str(uuid.uuid4()),
        "sku": f"SKU-{item_id}",
        "item_name": "Widget",
        "description": None,
        "upc": None,
        "barcode_aliases": [],
        "category": None,
        "weight_lbs": None,
        "length_in": None,
        "width_in": None,
        "height_in": None,
        "default_bin_id": None,
        "reorder_point": 0,
        "reorder_qty": None,
        "is_lot_tracked": False,
        "is_serial_tracked": False,
        "is_active": True,
        "created_at": now,
        "updated_at": now,
    }
    return inventory_event("item.created", data, f"item-{item_id}")


def bin_created(bin_id: int, warehouse_id: int) -> CloudEvent:
    data = {
        "bin_id": bin_id,
        "external_id": str(uuid.uuid4()),
        "warehouse_id": warehouse_id,
        "zone_id": 1,
        "bin_code": f"B-{bin_id}",
        "bin_barcode": f"B-{bin_id}",
        "bin_type": "Pickable",
        "aisle": None,
        "row_num": None,
        "level_num": None,
        "position_num": None,
        "pick_sequence": bin_id,
        "putaway_sequence": bin_id,
        "description": None,
        "is_active": True,
    }
    return inventory_event("bin.created", data, f"bin-{bin_id}")


def stock(
    event_type: str, warehouse_id: int, bin_id: int, item_id: int, quantity: int, lot: str | None = None
) -> bytes:
    data = {
        "warehouse_id": warehouse_id,
        "bin_id": bin_id,
        "item_id": item_id,
        "quantity": quantity,
        "lot_number": lot,
        "serial_number": None,
        "expiry_date": None,
        "uom": "each",
        "reason": "ADJUSTMENT",
        "reference_type": None,
        "reference_id": None,
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    return inventory_event(event_type, data, f"stock-{bin_id}-{item_id}").to_json()


@dataclass(frozen=True)
class Stocked:
    dispatcher: Dispatcher
    item_external_ids: dict[int, str]
    bin_external_ids: dict[int, str]

    async def logged(self, count: int) -> int:
        """Wait until the log holds `count` events; its head."""

        async def head() -> int | None:
            page = await self.dispatcher.api.get(
                "/api/v1/events", params={"after": 0, "limit": 500}, headers=self.dispatcher.admin()
            )
            events = page.json()["events"]
            return int(events[-1]["event_id"]) if len(events) == count else None

        return await eventually(head, timeout_s=30)

    async def page(self, headers: dict[str, str], **params: Any) -> dict[str, Any]:
        response = await self.dispatcher.api.get(PATH, params=params, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def stocked(database: testing.TestDatabase, identity_keys: IdentityKeys) -> AsyncIterator[Stocked]:
    """Five positions in warehouse 1 (two lots of one item in one bin), one in warehouse 2, one emptied."""
    async with running_dispatcher(database, identity_keys, allow_internal=False) as dispatcher:
        catalog = [item_created(i) for i in ITEMS] + [
            bin_created(b, w) for b, w in ((BIN_A, WH), (BIN_B, WH), (FOREIGN_BIN, OTHER))
        ]
        await publish(dispatcher.topic, *(event.to_json() for event in catalog))
        moves = [
            stock("stock.added", WH, BIN_A, ITEMS[0], 5),
            stock("stock.added", WH, BIN_B, ITEMS[0], 6),
            stock("stock.added", WH, BIN_A, ITEMS[1], 7, "L1"),
            stock("stock.added", WH, BIN_A, ITEMS[1], 10, "L2"),
            stock("stock.removed", WH, BIN_A, ITEMS[1], 2, "L2"),
            stock("stock.allocated", WH, BIN_A, ITEMS[1], 3, "L2"),
            stock("stock.added", WH, BIN_B, ITEMS[2], 9),
            stock("stock.added", WH, BIN_B, ITEMS[1], 4),
            stock("stock.removed", WH, BIN_B, ITEMS[1], 4),  # emptied: not listed
            stock("stock.added", OTHER, FOREIGN_BIN, ITEMS[2], 99),
        ]
        await publish(topic_name(dispatcher.settings.kafka_topic_prefix, "stock"), *moves, key=b"stock")
        result = Stocked(
            dispatcher,
            {e.data["item_id"]: e.data["external_id"] for e in catalog if e.type == "item.created"},
            {e.data["bin_id"]: e.data["external_id"] for e in catalog if e.type == "bin.created"},
        )
        await result.logged(len(catalog) + len(moves))
        yield result


async def test_pages_come_from_one_moment_however_stock_moves_meanwhile(
    stocked: Stocked, identity_keys: IdentityKeys
) -> None:
    headers = token(identity_keys, 1, WH, OTHER)
    first = await stocked.page(headers, warehouse_id=WH, limit=2)
    started_at = await stocked.logged(16)
    assert first["snapshot_event_id"] == started_at
    # Stock moves after the scan started: the remaining pages must not see it.
    stock_topic = topic_name(stocked.dispatcher.settings.kafka_topic_prefix, "stock")
    await publish(stock_topic, stock("stock.added", WH, BIN_B, ITEMS[2], 100), key=b"stock")
    await stocked.logged(17)
    rows = list(first["rows"])
    cursor = first["next_cursor"]
    while cursor is not None:
        page = await stocked.page(headers, warehouse_id=WH, limit=2, cursor=cursor)
        assert page["snapshot_event_id"] == started_at
        rows += page["rows"]
        cursor = page["next_cursor"]
    assert [
        (r["quantity_on_hand"], r["quantity_allocated"], r["quantity_available"], r["lot_number"]) for r in rows
    ] == [
        (5, 0, 5, None),
        (6, 0, 6, None),
        (7, 0, 7, "L1"),
        (8, 3, 5, "L2"),
        (9, 0, 9, None),
    ]
    assert {r["warehouse_id"] for r in rows} == {WH}
    assert (rows[0]["item_external_id"], rows[0]["bin_external_id"]) == (
        stocked.item_external_ids[ITEMS[0]],
        stocked.bin_external_ids[BIN_A],
    )
    assert set(rows[0]) == {
        "item_external_id",
        "warehouse_id",
        "bin_external_id",
        "quantity_on_hand",
        "quantity_allocated",
        "quantity_available",
        "lot_number",
        "serial_number",
    }
    # The scan is over: a new one starts at the log's new head and sees the new stock.
    again = await stocked.page(headers, warehouse_id=WH)
    assert [r["quantity_on_hand"] for r in again["rows"]][-1] == 109
    assert again["snapshot_event_id"] == started_at + 1
    assert again["next_cursor"] is None


async def test_one_scan_in_flight_per_token(stocked: Stocked, identity_keys: IdentityKeys) -> None:
    mine, theirs = token(identity_keys, 1, WH), token(identity_keys, 2, WH)
    first = await stocked.page(mine, warehouse_id=WH, limit=1)
    busy = await stocked.dispatcher.api.get(PATH, params={"warehouse_id": WH, "limit": 1}, headers=mine)
    assert (busy.status_code, busy.json()["error"]) == (429, "snapshot_in_flight")
    await stocked.page(theirs, warehouse_id=WH)
    cursor = first["next_cursor"]
    # Another token cannot use my cursor; cursor pages are exempt from the one-scan rule.
    stolen = await stocked.dispatcher.api.get(PATH, params={"warehouse_id": WH, "cursor": cursor}, headers=theirs)
    assert (stolen.status_code, stolen.json()["error"]) == (403, "cursor_scope_violation")
    await stocked.page(mine, warehouse_id=WH, cursor=cursor)


async def test_cursor_and_scope_errors(stocked: Stocked, identity_keys: IdentityKeys) -> None:
    api = stocked.dispatcher.api
    both = token(identity_keys, 3, WH, OTHER)
    cursor = (await stocked.page(both, warehouse_id=WH, limit=1))["next_cursor"]
    elsewhere = await api.get(PATH, params={"warehouse_id": OTHER, "cursor": cursor}, headers=both)
    assert (elsewhere.status_code, elsewhere.json()["error"]) == (403, "cursor_scope_violation")
    garbage = await api.get(PATH, params={"warehouse_id": WH, "cursor": "not-a-cursor"}, headers=both)
    assert (garbage.status_code, garbage.json()["error"]) == (400, "invalid_cursor")
    async with database_connection(stocked.dispatcher) as connection:
        await connection.execute("UPDATE snapshot_scans SET last_accessed_at = now() - interval '6 minutes'")
    expired = await api.get(PATH, params={"warehouse_id": WH, "cursor": cursor}, headers=both)
    assert (expired.status_code, expired.json()["error"]) == (410, "snapshot_expired")
    # An expired scan no longer blocks a new one.
    assert (await api.get(PATH, params={"warehouse_id": WH}, headers=both)).status_code == 200

    narrow = token(identity_keys, 4, OTHER)
    refused = await api.get(PATH, params={"warehouse_id": WH}, headers=narrow)
    assert (refused.status_code, refused.json()["error"], refused.json()["field"]) == (
        403,
        "scope_violation",
        "warehouse_id",
    )
    unscoped = token(identity_keys, 5, WH, scopes=("endpoint:events.poll",))
    assert (await api.get(PATH, params={"warehouse_id": WH}, headers=unscoped)).status_code == 403
    # People (even admins) use the admin inventory views, not the machine snapshot.
    admin = stocked.dispatcher.admin()
    assert (await api.get(PATH, params={"warehouse_id": WH}, headers=admin)).status_code == 403
    assert (await api.get(PATH, params={"warehouse_id": WH, "limit": 2001}, headers=both)).status_code == 400
    assert (await api.get(PATH, headers=both)).status_code == 400
