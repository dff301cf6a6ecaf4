"""Batch and wave picking over HTTP on the real database: allocation, walk path, confirm, short, complete, cancel."""

from __future__ import annotations

import httpx
import pytest

from .test_orders_support import Floor, order_lines, order_status, pick_floor, position, sales_order

pytestmark = pytest.mark.integration


@pytest.fixture
async def floor(inventory: httpx.AsyncClient) -> Floor:
    return await pick_floor(inventory)


async def test_a_classic_batch_allocates_by_walk_and_picks_to_completion(
    inventory: httpx.AsyncClient, floor: Floor
) -> None:
    one = await sales_order(inventory, floor, "SO-1", ("TST-1", 10), ("TST-2", 3))
    two = await sales_order(inventory, floor, "SO-2", ("TST-3", 1))
    so1, so2 = one["sales_order"]["so_id"], two["sales_order"]["so_id"]

    created = await inventory.post(
        "/api/picking/create-batch", json={"so_identifiers": ["SO-1", "SO-2"], "warehouse_id": floor.wh}
    )
    assert created.status_code == 200, created.text
    batch = created.json()
    assert batch["batch_number"].startswith("BATCH-")
    assert batch["status"] == "OPEN"
    assert [o["tote_number"] for o in batch["orders"]] == ["TOTE-1", "TOTE-2"]
    # The walk: BULK (0), A (100), B (200), C (300); the dock's stock is never promised.
    assert [(t["bin_code"], t["sku"], t["quantity_to_pick"]) for t in batch["tasks"]] == [
        ("BULK", "TST-3", 1),
        ("A", "TST-1", 8),
        ("B", "TST-2", 3),
        ("C", "TST-1", 2),
    ]
    assert await position(inventory, floor, "A", "TST-1") == (8, 8)
    assert await position(inventory, floor, "DOCK", "TST-1") == (50, 0)
    assert await order_status(inventory, so1) == "PICKING"
    again = await inventory.post(
        "/api/picking/create-batch", json={"so_identifiers": ["SO-1"], "warehouse_id": floor.wh}
    )
    assert again.status_code == 400

    early = await inventory.post("/api/picking/complete-batch", json={"batch_id": batch["batch_id"]})
    assert early.status_code == 400
    assert "pending" in early.json()["error"]

    first = (await inventory.get(f"/api/picking/batch/{batch['batch_id']}/next")).json()
    assert (first["bin_code"], first["pick_number"], first["total_picks"]) == ("BULK", 1, 4)
    wrong = await inventory.post(
        "/api/picking/confirm",
        json={"pick_task_id": first["pick_task_id"], "scanned_barcode": "WRONG", "quantity_picked": 1},
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "wrong_item_scanned"
    assert "Wrong item" in wrong.json()["error"]

    for _ in range(4):
        task = (await inventory.get(f"/api/picking/batch/{batch['batch_id']}/next")).json()
        confirmed = await inventory.post(
            "/api/picking/confirm",
            json={
                "pick_task_id": task["pick_task_id"],
                "scanned_barcode": task["sku"],
                "quantity_picked": task["quantity_to_pick"],
            },
        )
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["task"]["status"] == "PICKED"
    repeat = await inventory.post(
        "/api/picking/confirm",
        json={"pick_task_id": first["pick_task_id"], "scanned_barcode": "TST-3", "quantity_picked": 1},
    )
    assert repeat.status_code == 400
    assert "already" in repeat.json()["error"]
    assert (await inventory.get(f"/api/picking/batch/{batch['batch_id']}/next")).json() == {
        "message": "All tasks complete"
    }
    assert await position(inventory, floor, "A", "TST-1") == (0, 0)
    assert await position(inventory, floor, "C", "TST-1") == (4, 0)
    assert (await order_lines(inventory, so1))["TST-1"]["quantity_picked"] == 10

    done = await inventory.post("/api/picking/complete-batch", json={"batch_id": batch["batch_id"]})
    assert done.status_code == 200, done.text
    assert done.json()["summary"]["total_items_picked"] == 14
    assert await order_status(inventory, so1) == await order_status(inventory, so2) == "PICKED"
    twice = await inventory.post("/api/picking/complete-batch", json={"batch_id": batch["batch_id"]})
    assert twice.status_code == 409
    assert twice.json()["code"] == "batch_finished"
    assert (await inventory.post("/api/picking/complete-batch", json={"batch_id": 99999})).status_code == 400


async def test_a_warehouse_that_turned_sku_scans_off_picks_by_upc_only(
    inventory: httpx.AsyncClient, floor: Floor
) -> None:
    await sales_order(inventory, floor, "SO-1", ("TST-2", 1), ("TST-3", 1))
    created = await inventory.post(
        "/api/picking/create-batch", json={"so_identifiers": ["SO-1"], "warehouse_id": floor.wh}
    )
    assert created.status_code == 200, created.text
    tasks = {t["sku"]: t["pick_task_id"] for t in created.json()["tasks"]}

    async def confirm(sku: str, barcode: str) -> httpx.Response:
        body = {"pick_task_id": tasks[sku], "scanned_barcode": barcode, "quantity_picked": 1}
        return await inventory.post("/api/picking/confirm", json=body)

    async def accept_sku_scan(value: str) -> None:
        settings = {"warehouse_id": floor.wh, "settings": {"accept_sku_scan": value}}
        assert (await inventory.put("/api/admin/settings", json=settings)).status_code == 200

    await accept_sku_scan("false")
    by_sku = await confirm("TST-3", "TST-3")
    assert (by_sku.status_code, by_sku.json()["code"]) == (400, "wrong_item_scanned")
    assert (await confirm("TST-3", "UPC-TST-3")).status_code == 200
    await accept_sku_scan("true")
    assert (await confirm("TST-2", "TST-2")).status_code == 200


async def test_available_to_promise_counts_pickable_stock_minus_allocation(
    inventory: httpx.AsyncClient, floor: Floor
) -> None:
    async def atp() -> dict[str, int]:
        answer = await inventory.get("/api/picking/atp", params={"warehouse_id": floor.wh})
        assert answer.status_code == 200, answer.text
        return {row["sku"]: row["quantity_available"] for row in answer.json()["items"]}

    assert await atp() == {"TST-1": 14, "TST-2": 20, "TST-3": 4}  # the dock's 50 are not promisable
    await sales_order(inventory, floor, "SO-1", ("TST-1", 10))
    await inventory.post("/api/picking/create-batch", json={"so_identifiers": ["SO-1"], "warehouse_id": floor.wh})
    assert (await atp())["TST-1"] == 4
    assert (await inventory.get("/api/picking/atp")).status_code == 400


async def test_a_fefo_warehouse_picks_the_earliest_expiry_first(inventory: httpx.AsyncClient, floor: Floor) -> None:
    """Lots received with expiry dates; the warehouse's `allocation_strategy` setting picks the strategy."""
    item_id = floor.items["TST-3"]
    order = {"po_number": "PO-LOTS", "warehouse_id": floor.wh, "lines": [{"item_id": item_id, "quantity_ordered": 10}]}
    po_id = (await inventory.post("/api/admin/purchase-orders", json=order)).json()["purchase_order"]["po_id"]
    lots = [("L-LATE", "2028-01-01", "A"), ("L-SOON", "2027-02-01", "C")]
    entries = [
        {"item_id": item_id, "quantity": 3, "bin_id": floor.bins[b], "lot_number": lot, "expiry_date": expiry}
        for lot, expiry, b in lots
    ]
    received = await inventory.post("/api/receiving/receive", json={"po_id": po_id, "items": entries})
    assert received.status_code == 200, received.text
    fefo = {"warehouse_id": floor.wh, "settings": {"allocation_strategy": "fefo"}}
    assert (await inventory.put("/api/admin/settings", json=fefo)).status_code == 200

    await sales_order(inventory, floor, "SO-FEFO", ("TST-3", 4))
    batch = await inventory.post(
        "/api/picking/create-batch", json={"so_identifiers": ["SO-FEFO"], "warehouse_id": floor.wh}
    )
    # By walk the undated BULK lot (sequence 0) would go first; FEFO takes the soonest expiry first.
    assert [(t["bin_code"], t["quantity_to_pick"]) for t in batch.json()["tasks"]] == [("A", 1), ("C", 3)]
    assert await position(inventory, floor, "C", "TST-3") == (3, 3)
