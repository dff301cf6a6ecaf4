"""The inventory snapshot's hand-off (integration-security 4.6), end to end through the gateway.

An ERP pages the snapshot while the floor keeps moving stock, then polls
`/api/v1/events?after=<snapshot_event_id>` and folds the stock events onto the
copy: the result must equal inventory's own stock, which holds only if the
copy and the events after it neither miss nor repeat a single movement.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

import dispatcher.entrypoints.app as dispatcher_app
import inventory.entrypoints.app as inventory_app
from canonical.testing import eventually, generate_identity_keys, serving, unique_topic_prefix
from gateway.testing import Gateway
from tests.e2e.stack import fresh_dispatcher, fresh_inventory, served_gateway, until_ready, warehouse_with_bins

pytestmark = pytest.mark.e2e

STOCK_EVENTS = ("stock.added", "stock.removed", "stock.allocated", "stock.released")
PARTITIONS = 3  # the dispatcher numbers events from several partitions at once: the order varies, the fold must not
Position = tuple[int, int, str | None]  # item id, bin id, lot: how the stock events name a position
Quantities = Counter[tuple[Position, str]]  # (position, "on_hand" | "allocated") -> units


@dataclass(frozen=True)
class Floor:
    gateway: Gateway
    inventory_database_url: str
    dispatcher_database_url: str
    warehouse_id: int
    bins: list[int]
    items: list[int]


@pytest.fixture
async def floor() -> AsyncIterator[Floor]:
    keys = generate_identity_keys()
    prefix = unique_topic_prefix()
    inventory_settings = (await fresh_inventory(keys, prefix)).model_copy(update={"kafka_topic_partitions": PARTITIONS})
    dispatcher_settings = await fresh_dispatcher(keys, prefix, kafka_topic_partitions=PARTITIONS)
    async with (
        serving(inventory_app.create_app(inventory_settings)) as inventory_url,
        serving(dispatcher_app.create_app(dispatcher_settings)) as dispatcher_url,
    ):
        for url in (inventory_url, dispatcher_url):
            await until_ready(url)
        async with (
            served_gateway(
                keys, kafka_topic_prefix=prefix, inventory_url=inventory_url, dispatcher_url=dispatcher_url
            ) as gateway,
            gateway.client(headers=await gateway.bearer()) as admin,
        ):
            warehouse_id, bins = await warehouse_with_bins(admin, "A-01", "A-02", "A-03")
            items = []
            for n in range(3):
                created = await admin.post("/api/admin/items", json={"sku": f"SNAP-{n}", "item_name": "Snap"})
                assert created.status_code == 201, created.text
                items.append(created.json()["item_id"])
            floor = Floor(
                gateway,
                inventory_settings.database_url.get_secret_value(),
                dispatcher_settings.database_url.get_secret_value(),
                warehouse_id,
                bins,
                items,
            )
            for item_id, bin_id in zip(items, bins, strict=True):
                await adjust(admin, floor, bin_id, item_id, 50)
            await adjust(admin, floor, bins[0], items[1], 20, lot_number="L1")
            yield floor


async def adjust(
    admin: httpx.AsyncClient, floor: Floor, bin_id: int, item_id: int, quantity: int, **extra: Any
) -> None:
    body = {"warehouse_id": floor.warehouse_id, "bin_id": bin_id, "item_id": item_id, "adjustment_type": "ADD"}
    added = await admin.post(
        "/api/admin/adjustments/direct", json={**body, "quantity": quantity, "reason": "stocktake", **extra}
    )
    assert added.status_code == 201, added.text


async def keep_moving(admin: httpx.AsyncClient, floor: Floor, stop: asyncio.Event) -> int:
    """Move units round the bins and add stock until told to stop; how many commands succeeded."""
    done = 0
    while not stop.is_set():
        n = done % 3
        move = {
            "item_id": floor.items[n],
            "from_bin_id": floor.bins[n],
            "to_bin_id": floor.bins[(n + 1) % 3],
            "quantity": 1,
        }
        moved = await admin.post("/api/transfers/move", json=move)
        assert moved.status_code == 200, moved.text
        await adjust(admin, floor, floor.bins[2], floor.items[0], 1)
        done += 2
    return done


async def fetch(database_url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(database_url)
    try:
        return await connection.fetch(query, *args)
    finally:
        await connection.close()


async def inventory_stock(floor: Floor) -> Quantities:
    """Inventory's own positions: the truth the ERP's copy must end up equal to."""
    rows = await fetch(
        floor.inventory_database_url,
        "SELECT item_id, bin_id, lot_number, quantity_on_hand, quantity_allocated FROM stock WHERE warehouse_id = $1",
        floor.warehouse_id,
    )
    truth: Quantities = Counter()
    for r in rows:
        truth[((r["item_id"], r["bin_id"], r["lot_number"]), "on_hand")] = r["quantity_on_hand"]
        truth[((r["item_id"], r["bin_id"], r["lot_number"]), "allocated")] = r["quantity_allocated"]
    return +truth


async def snapshot_copy(floor: Floor, rows: list[dict[str, Any]]) -> Quantities:
    """The snapshot's rows keyed by internal ids (the stock events name items and bins by those)."""
    ids = {
        str(r["external_id"]): r["id"]
        for r in await fetch(
            floor.inventory_database_url,
            "SELECT external_id, item_id AS id FROM items UNION ALL SELECT external_id, bin_id FROM bins",
        )
    }
    copy: Quantities = Counter()
    for r in rows:
        position = (ids[r["item_external_id"]], ids[r["bin_external_id"]], r["lot_number"])
        copy[(position, "on_hand")] += r["quantity_on_hand"]
        copy[(position, "allocated")] += r["quantity_allocated"]
    return copy


def fold(copy: Quantities, events: list[dict[str, Any]]) -> None:
    for event in events:
        data = event["data"]
        position = (data["item_id"], data["bin_id"], data["lot_number"])
        field = "on_hand" if event["event_type"] in ("stock.added", "stock.removed") else "allocated"
        sign = 1 if event["event_type"] in ("stock.added", "stock.allocated") else -1
        copy[(position, field)] += sign * data["quantity"]


async def logged(floor: Floor, items: int, bins: int, positions: int) -> None:
    """Wait until the dispatcher's projection holds this many items, bins and positions."""

    async def counted() -> bool:
        counts = await fetch(
            floor.dispatcher_database_url,
            "SELECT (SELECT count(*) FROM snapshot_items), (SELECT count(*) FROM snapshot_bins),"
            " (SELECT count(*) FROM snapshot_positions)",
        )
        return tuple(counts[0]) == (items, bins, positions)

    await eventually(counted, timeout_s=30)


@asynccontextmanager
async def floor_moving(admin: httpx.AsyncClient, floor: Floor) -> AsyncIterator[None]:
    stop = asyncio.Event()
    mover = asyncio.create_task(keep_moving(admin, floor, stop))
    try:
        yield
    finally:
        stop.set()
        assert await mover > 0


async def test_the_snapshot_and_the_events_after_it_add_up_to_inventory_exactly(floor: Floor) -> None:
    gateway = floor.gateway
    async with gateway.client(headers=await gateway.bearer()) as admin:
        issued = await admin.post(
            "/api/admin/tokens",
            json={
                "token_name": "erp-snapshot",
                "warehouse_ids": [floor.warehouse_id],
                "endpoints": ["snapshot.inventory", "events.poll"],
                "event_types": list(STOCK_EVENTS),
            },
        )
        assert issued.status_code == 201, issued.text
        # People cannot reach the machine API.
        refused = await admin.get("/api/v1/snapshot/inventory", params={"warehouse_id": floor.warehouse_id})
        assert refused.status_code in {401, 403}
        async with gateway.client(headers={"X-WMS-Token": issued.json()["token"]}) as erp:
            async with floor_moving(admin, floor):
                # The moves give every item a unit in the next bin: 8 positions, so 2 pages of 5 (the quota is 2 per
                # minute per token), with the floor moving stock before, between and after them.
                await logged(floor, items=3, bins=3, positions=8)
                params: dict[str, Any] = {"warehouse_id": floor.warehouse_id, "limit": 5}
                first = await erp.get("/api/v1/snapshot/inventory", params=params)
                assert first.status_code == 200, first.text
                await asyncio.sleep(0.5)
                second = await erp.get(
                    "/api/v1/snapshot/inventory", params={**params, "cursor": first.json()["next_cursor"]}
                )
                assert second.status_code == 200, second.text
                assert (len(second.json()["rows"]), second.json()["next_cursor"]) == (3, None)
                assert second.json()["snapshot_event_id"] == first.json()["snapshot_event_id"]
                await asyncio.sleep(0.5)
            copy = await snapshot_copy(floor, first.json()["rows"] + second.json()["rows"])
            truth = await inventory_stock(floor)
            assert copy != truth  # the floor moved while the ERP paged: only the events can close the gap
            cursor = first.json()["snapshot_event_id"]

            async def consumed_up_to_truth() -> bool:
                nonlocal cursor
                page = await erp.get(
                    "/api/v1/events", params={"after": cursor, "limit": 500, "warehouse_id": floor.warehouse_id}
                )
                assert page.status_code == 200, page.text
                fold(copy, page.json()["events"])
                cursor = page.json()["next_cursor"]
                return +copy == truth

            await eventually(consumed_up_to_truth, timeout_s=30, interval_s=0.5)
