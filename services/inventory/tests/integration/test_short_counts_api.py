"""A short pick opens a count of its bin; settling that count releases the pick's hold (F.9 without Part M 5).

Real PostgreSQL and Kafka over HTTP: short -> count created -> submitted with the real quantity ->
approved (or auto-adjusted, matched, rejected) -> on hand corrected, hold released, report shows it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest

from inventory.entrypoints.rebuild import rebuild
from inventory.settings import Settings

from .test_orders_support import Floor, pick_floor, position, sales_order
from .test_rebuild import snapshot

pytestmark = pytest.mark.integration


@pytest.fixture
async def floor(inventory: httpx.AsyncClient) -> Floor:
    return await pick_floor(inventory)


async def _short_in_a(client: httpx.AsyncClient, floor: Floor, available: int) -> dict[str, Any]:
    """SO-1 wants 5 x TST-1, all from bin A (8 on hand); the picker finds only `available`."""
    await sales_order(client, floor, "SO-1", ("TST-1", 5))
    batch = (
        await client.post("/api/picking/create-batch", json={"so_identifiers": ["SO-1"], "warehouse_id": floor.wh})
    ).json()
    [task] = batch["tasks"]
    assert (task["bin_code"], task["quantity_to_pick"]) == ("A", 5)
    shorted = await client.post(
        "/api/picking/short", json={"pick_task_id": task["pick_task_id"], "quantity_available": available}
    )
    assert shorted.status_code == 200, shorted.text
    [report] = (await client.get("/api/admin/short-picks")).json()["short_picks"]
    assert report["log_id"] == task["pick_task_id"]
    return dict(report)


async def _submit(client: httpx.AsyncClient, count_id: int, counted: int) -> dict[str, Any]:
    count = (await client.get(f"/api/inventory/cycle-count/{count_id}")).json()
    [line] = count["lines"]
    submitted = await client.post(
        "/api/inventory/cycle-count/submit",
        json={"count_id": count_id, "lines": [{"count_line_id": line["count_line_id"], "counted_quantity": counted}]},
    )
    assert submitted.status_code == 200, submitted.text
    body: dict[str, Any] = submitted.json()
    return body


async def _report_row(client: httpx.AsyncClient) -> dict[str, Any]:
    [row] = (await client.get("/api/admin/short-picks")).json()["short_picks"]
    return dict(row)


async def _releases(pool: asyncpg.Pool) -> list[str]:
    rows = await pool.fetch(
        "SELECT data->>'reason' AS reason, data->>'quantity' AS quantity FROM event_store"
        " WHERE event_type = 'stock.released' ORDER BY global_position"
    )
    return [f"{r['reason']}:{r['quantity']}" for r in rows]


async def test_short_pick_count_approved_corrects_on_hand_and_releases_the_hold(
    inventory: httpx.AsyncClient, floor: Floor, pool: asyncpg.Pool, inventory_settings: Settings
) -> None:
    report = await _short_in_a(inventory, floor, 2)
    assert (report["shortage"], report["count_outcome"]) == (3, None)
    count_id = report["count_id"]
    assert count_id is not None
    # 2 picked out of 8; the 3 missing stay held (allocated) so nobody is promised them before the count.
    assert await position(inventory, floor, "A", "TST-1") == (6, 3)
    count = (await inventory.get(f"/api/inventory/cycle-count/{count_id}")).json()
    assert count["cycle_count"]["bin_id"] == floor.bins["A"]
    assert count["cycle_count"]["status"] == "PENDING"
    assert [(line["sku"], line["expected_quantity"]) for line in count["lines"]] == [("TST-1", 6)]

    submitted = await _submit(inventory, count_id, 3)
    assert submitted["status"] == "VARIANCE"
    [adjustment] = submitted["summary"]["adjustments"]
    assert adjustment["variance"] == -3
    # A submit never moves stock: the hold stays until the variance is decided.
    assert await position(inventory, floor, "A", "TST-1") == (6, 3)
    assert (await _report_row(inventory))["count_outcome"] is None

    decision = {"adjustment_id": adjustment["adjustment_id"], "action": "approve"}
    reviewed = await inventory.post("/api/admin/adjustments/review", json={"decisions": [decision]})
    assert reviewed.status_code == 200, reviewed.text
    # The whole variance applied (the hold was released first, so the removal found the units free).
    assert reviewed.json()["reviewed"][0]["quantity_applied"] == -3
    assert await position(inventory, floor, "A", "TST-1") == (3, 0)
    row = await _report_row(inventory)
    assert (row["count_id"], row["count_outcome"]) == (count_id, "ADJUSTED")
    assert await _releases(pool) == ["pick:5", "short_pick_release:3"]
    # A replayed review decides nothing and releases nothing twice.
    again = await inventory.post("/api/admin/adjustments/review", json={"decisions": [decision]})
    assert again.json()["reviewed"] == []
    assert await _releases(pool) == ["pick:5", "short_pick_release:3"]

    live = await snapshot(pool)
    await rebuild(inventory_settings)
    rebuilt = await snapshot(pool)
    for table in ("short_picks", "cycle_counts", "cycle_count_lines", "adjustments", "stock", "stock_movements"):
        assert rebuilt[table] == live[table], table


async def test_auto_adjust_settles_the_hold_at_submit(inventory: httpx.AsyncClient, floor: Floor) -> None:
    await inventory.put("/api/admin/settings", json={"settings": {"count_auto_adjust": "true"}})
    report = await _short_in_a(inventory, floor, 0)
    submitted = await _submit(inventory, report["count_id"], 1)
    assert submitted["auto_adjusted"] is True
    # 8 on hand, 5 short: the counter finds 1; -7 applies in full once the 5 held are released.
    assert await position(inventory, floor, "A", "TST-1") == (1, 0)
    assert (await _report_row(inventory))["count_outcome"] == "ADJUSTED"


async def test_a_count_that_finds_the_units_releases_them_without_adjustment(
    inventory: httpx.AsyncClient, floor: Floor
) -> None:
    report = await _short_in_a(inventory, floor, 4)
    submitted = await _submit(inventory, report["count_id"], 4)
    assert (submitted["status"], submitted["summary"]["adjustments"]) == ("COMPLETED", [])
    assert await position(inventory, floor, "A", "TST-1") == (4, 0)
    assert (await _report_row(inventory))["count_outcome"] == "MATCHED"


async def test_a_rejected_variance_gives_the_units_back_to_available(
    inventory: httpx.AsyncClient, floor: Floor
) -> None:
    report = await _short_in_a(inventory, floor, 2)
    [adjustment] = (await _submit(inventory, report["count_id"], 3))["summary"]["adjustments"]
    decision = {"adjustment_id": adjustment["adjustment_id"], "action": "reject"}
    assert (await inventory.post("/api/admin/adjustments/review", json={"decisions": [decision]})).status_code == 200
    assert await position(inventory, floor, "A", "TST-1") == (6, 0)
    assert (await _report_row(inventory))["count_outcome"] == "REJECTED"


async def test_a_partial_confirm_is_a_short_pick_with_its_count(inventory: httpx.AsyncClient, floor: Floor) -> None:
    await sales_order(inventory, floor, "SO-1", ("TST-2", 5))
    batch = (
        await inventory.post("/api/picking/create-batch", json={"so_identifiers": ["SO-1"], "warehouse_id": floor.wh})
    ).json()
    [task] = batch["tasks"]
    body = {"pick_task_id": task["pick_task_id"], "scanned_barcode": "UPC-TST-2", "quantity_picked": 4}
    assert (await inventory.post("/api/picking/confirm", json=body)).status_code == 200
    row = await _report_row(inventory)
    assert (row["shortage"], row["count_outcome"]) == (1, None)
    count = (await inventory.get(f"/api/inventory/cycle-count/{row['count_id']}")).json()
    assert count["cycle_count"]["bin_id"] == floor.bins["B"]
    assert await position(inventory, floor, "B", "TST-2") == (16, 1)


async def test_two_reviewers_approving_at_once_release_the_hold_once(
    inventory: httpx.AsyncClient, floor: Floor, pool: asyncpg.Pool
) -> None:
    report = await _short_in_a(inventory, floor, 2)
    [adjustment] = (await _submit(inventory, report["count_id"], 3))["summary"]["adjustments"]
    decisions = {"decisions": [{"adjustment_id": adjustment["adjustment_id"], "action": "approve"}]}
    first, second = await asyncio.gather(
        inventory.post("/api/admin/adjustments/review", json=decisions),
        inventory.post("/api/admin/adjustments/review", json=decisions),
    )
    assert (first.status_code, second.status_code) == (200, 200)
    assert sorted(len(r.json()["reviewed"]) for r in (first, second)) == [0, 1]
    assert await _releases(pool) == ["pick:5", "short_pick_release:3"]
    assert await position(inventory, floor, "A", "TST-1") == (3, 0)
