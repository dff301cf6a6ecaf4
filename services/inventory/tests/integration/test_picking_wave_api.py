"""Waves: combined tasks shared per order line, shorts credited to the right lines, contributors cancelled cleanly."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .test_orders_support import Floor, order_lines, order_status, pick_floor, position, sales_order

pytestmark = pytest.mark.integration


@pytest.fixture
async def floor(inventory: httpx.AsyncClient) -> Floor:
    return await pick_floor(inventory)


async def wave(client: httpx.AsyncClient, floor: Floor, *so_ids: int) -> dict[str, Any]:
    response = await client.post("/api/picking/wave-create", json={"so_ids": list(so_ids), "warehouse_id": floor.wh})
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_wave_validate_reports_what_the_scanner_needs(inventory: httpx.AsyncClient, floor: Floor) -> None:
    so = (await sales_order(inventory, floor, "SO-V", ("TST-1", 2), ("TST-2", 1)))["sales_order"]
    body = {"so_barcode": "SO-V", "warehouse_id": floor.wh}
    valid = (await inventory.post("/api/picking/wave-validate", json=body)).json()
    assert valid == {"valid": True, "so_id": so["so_id"], "so_number": "SO-V", "line_count": 2, "total_units": 3}
    missing = await inventory.post("/api/picking/wave-validate", json={**body, "so_barcode": "FAKE-9999"})
    assert missing.status_code == 404
    assert missing.json()["valid"] is False
    created = await wave(inventory, floor, so["so_id"])
    busy = await inventory.post("/api/picking/wave-validate", json=body)
    assert busy.status_code == 409
    assert "already in active pick batch" in busy.json()["error"]
    assert busy.json()["batch_id"] == created["batch_id"]
    duplicate = await inventory.post("/api/picking/wave-create", json={"so_ids": [1, 1], "warehouse_id": floor.wh})
    assert duplicate.status_code == 400
    assert "Duplicate" in duplicate.json()["error"]


async def test_a_wave_merges_orders_into_one_task_per_bin_with_shares(
    inventory: httpx.AsyncClient, floor: Floor
) -> None:
    a = (await sales_order(inventory, floor, "SO-A", ("TST-1", 3)))["sales_order"]["so_id"]
    b = (await sales_order(inventory, floor, "SO-B", ("TST-1", 5), ("TST-2", 2)))["sales_order"]["so_id"]
    created = await wave(inventory, floor, a, b)
    assert created["batch_number"].startswith("WAVE-")
    assert (created["total_orders"], created["total_units"], created["total_picks"]) == (2, 10, 2)
    first = created["first_pick"]
    assert (first["bin_code"], first["quantity_to_pick"], first["pick_number"]) == ("A", 8, 1)
    assert first["contributing_orders"] == [{"so_number": "SO-A", "quantity": 3}, {"so_number": "SO-B", "quantity": 5}]
    assert await position(inventory, floor, "A", "TST-1") == (8, 8)

    # 5 of 8 found: the lowest order id is served first, the rest is short and held for a count.
    short = await inventory.post(
        "/api/picking/short", json={"pick_task_id": first["pick_task_id"], "quantity_available": 5}
    )
    assert short.status_code == 200, short.text
    assert (short.json()["task"]["status"], short.json()["task"]["shortage"]) == ("SHORT", 3)
    assert (await order_lines(inventory, a))["TST-1"]["quantity_picked"] == 3
    assert (await order_lines(inventory, b))["TST-1"]["quantity_picked"] == 2
    assert (await order_lines(inventory, b))["TST-1"]["quantity_allocated"] == 2
    assert await position(inventory, floor, "A", "TST-1") == (3, 3)  # 3 missing units held, not available
    report = (await inventory.get("/api/admin/short-picks", params={"warehouse_id": floor.wh})).json()
    assert [(r["sku"], r["qty_expected"], r["qty_picked"], r["shortage"]) for r in report["short_picks"]] == [
        ("TST-1", 8, 5, 3)
    ]


async def test_cancelling_any_wave_contributor_releases_exactly_its_share(
    inventory: httpx.AsyncClient, floor: Floor
) -> None:
    a = (await sales_order(inventory, floor, "SO-A", ("TST-2", 2)))["sales_order"]["so_id"]
    b = (await sales_order(inventory, floor, "SO-B", ("TST-2", 3)))["sales_order"]["so_id"]
    c = (await sales_order(inventory, floor, "SO-C", ("TST-1", 1)))["sales_order"]["so_id"]
    created = await wave(inventory, floor, a, b, c)
    assert await position(inventory, floor, "B", "TST-2") == (20, 5)
    # A is the first contributor of the combined TST-2 task (v1.7's 409), B the second (v1.7's leak).
    for so_id, left in ((a, 3), (b, 0)):
        cancelled = await inventory.post(f"/api/admin/sales-orders/{so_id}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        assert await position(inventory, floor, "B", "TST-2") == (20, left)
    assert await order_status(inventory, a) == "CANCELLED"
    view = (await inventory.get(f"/api/picking/batch/{created['batch_id']}")).json()
    assert {t["sku"]: t["status"] for t in view["tasks"]} == {"TST-1": "PENDING", "TST-2": "SKIPPED"}

    # C picks its unit, then is cancelled too: the picked unit goes back to its bin.
    task = next(t for t in view["tasks"] if t["sku"] == "TST-1")
    picked = await inventory.post(
        "/api/picking/confirm",
        json={"pick_task_id": task["pick_task_id"], "scanned_barcode": "UPC-TST-1", "quantity_picked": 1},
    )
    assert picked.status_code == 200, picked.text
    assert await position(inventory, floor, "A", "TST-1") == (7, 0)
    assert (await inventory.post(f"/api/admin/sales-orders/{c}/cancel")).status_code == 200
    assert await position(inventory, floor, "A", "TST-1") == (8, 0)
    assert (await order_lines(inventory, c))["TST-1"]["quantity_picked"] == 0
    late = await inventory.post(f"/api/admin/sales-orders/{c}/cancel")
    assert late.status_code == 409
    assert "Can only cancel" in late.json()["error"]


async def test_cancelling_a_batch_releases_shelf_and_line_allocation(
    inventory: httpx.AsyncClient, floor: Floor
) -> None:
    so = (await sales_order(inventory, floor, "SO-1", ("TST-1", 4)))["sales_order"]["so_id"]
    batch = (
        await inventory.post("/api/picking/create-batch", json={"so_identifiers": ["SO-1"], "warehouse_id": floor.wh})
    ).json()
    assert await position(inventory, floor, "A", "TST-1") == (8, 4)
    assert (await inventory.post("/api/picking/cancel-batch", json={"batch_id": batch["batch_id"]})).status_code == 200
    assert await position(inventory, floor, "A", "TST-1") == (8, 0)
    assert await order_status(inventory, so) == "OPEN"
    assert (await order_lines(inventory, so))["TST-1"]["quantity_allocated"] == 0
    again = await inventory.post("/api/picking/cancel-batch", json={"batch_id": batch["batch_id"]})
    assert again.status_code == 409
    assert (await inventory.post("/api/picking/cancel-batch", json={"batch_id": 99999})).status_code == 404
    # Re-batching allocates the whole line again (v1.7 allocated nothing: Part M 3).
    rebatched = await inventory.post(
        "/api/picking/create-batch", json={"so_identifiers": ["SO-1"], "warehouse_id": floor.wh}
    )
    assert sum(t["quantity_to_pick"] for t in rebatched.json()["tasks"]) == 4
