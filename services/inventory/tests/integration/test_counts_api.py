"""Cycle counts over HTTP: snapshot, blind mode, submit, variances as pending adjustments, auto-adjust, concurrency."""

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest

from canonical.identity import Identity
from canonical.testing import IdentityKeys

from .support import bin_, item, warehouse, zone

pytestmark = pytest.mark.integration

OTHER_ADMIN = Identity(subject="00000000-0000-4000-8000-0000000000b0", username="boss", role="ADMIN")


@pytest.fixture
async def shelf(inventory: httpx.AsyncClient) -> dict[str, Any]:
    """A shelf holding 50 of SKU-1 and 12 of SKU-2 (5 of them allocated nowhere), plus an empty bin."""
    wh = await warehouse(inventory)
    z = await zone(inventory, wh)
    shelf = await bin_(inventory, wh, z, "A-01-01")
    empty = await bin_(inventory, wh, z, "QC-01", bin_type="Staging")
    one = await item(inventory, "SKU-1", upc="0001")
    two = await item(inventory, "SKU-2", upc="0002")
    stray = await item(inventory, "SKU-3", upc="0003")
    for found, quantity in ((one, 50), (two, 12)):
        body = {"warehouse_id": wh, "bin_id": shelf["bin_id"], "item_id": found["item_id"], "adjustment_type": "ADD"}
        added = await inventory.post(
            "/api/admin/adjustments/direct", json={**body, "quantity": quantity, "reason": "x"}
        )
        assert added.status_code == 201, added.text
    return {"wh": wh, "bin": shelf, "empty": empty, "one": one, "two": two, "stray": stray}


async def open_count(client: httpx.AsyncClient, f: dict[str, Any], *bins: int) -> list[dict[str, Any]]:
    created = await client.post(
        "/api/inventory/cycle-count/create",
        json={"warehouse_id": f["wh"], "bin_ids": list(bins or [f["bin"]["bin_id"]])},
    )
    assert created.status_code == 200, created.text
    counts: list[dict[str, Any]] = created.json()["counts"]
    return counts


async def lines_of(client: httpx.AsyncClient, count_id: int) -> dict[str, dict[str, Any]]:
    read = await client.get(f"/api/inventory/cycle-count/{count_id}")
    assert read.status_code == 200, read.text
    return {line["sku"]: line for line in read.json()["lines"]}


async def on_hand(client: httpx.AsyncClient, bin_id: int) -> dict[str, int]:
    stock = (await client.get(f"/api/admin/bins/{bin_id}")).json()["inventory"]
    return {p["sku"]: p["quantity_on_hand"] for p in stock}


async def test_a_count_snapshots_the_bin_and_an_empty_bin_gives_no_lines(
    inventory: httpx.AsyncClient, shelf: dict[str, Any]
) -> None:
    counts = await open_count(inventory, shelf, shelf["bin"]["bin_id"], shelf["empty"]["bin_id"])
    assert [(c["bin_code"], c["status"], c["lines"]) for c in counts] == [
        ("A-01-01", "PENDING", 2),
        ("QC-01", "PENDING", 0),
    ]
    read = (await inventory.get(f"/api/inventory/cycle-count/{counts[0]['count_id']}")).json()
    assert read["show_expected"] is True
    assert read["cycle_count"]["status"] == "PENDING"
    assert sorted((line["sku"], line["expected_quantity"]) for line in read["lines"]) == [("SKU-1", 50), ("SKU-2", 12)]
    assert (await inventory.get("/api/inventory/cycle-count/999999")).status_code == 404
    missing = await inventory.post("/api/inventory/cycle-count/create", json={"warehouse_id": 9999, "bin_ids": [1]})
    assert missing.status_code == 404
    assert missing.json()["error"] == "Warehouse not found"
    empty = await inventory.post("/api/inventory/cycle-count/create", json={"warehouse_id": shelf["wh"], "bin_ids": []})
    assert empty.status_code == 400
    assert empty.json()["error"] == "validation_error"


async def test_submitting_exact_quantities_completes_the_count(
    inventory: httpx.AsyncClient, shelf: dict[str, Any], pool: asyncpg.Pool
) -> None:
    count_id = (await open_count(inventory, shelf))[0]["count_id"]
    lines = await lines_of(inventory, count_id)
    submitted = await inventory.post(
        "/api/inventory/cycle-count/submit",
        json={
            "count_id": count_id,
            "lines": [
                {"count_line_id": line["count_line_id"], "counted_quantity": line["expected_quantity"]}
                for line in lines.values()
            ],
        },
    )
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert (body["status"], body["bin_code"]) == ("COMPLETED", "A-01-01")
    assert body["summary"] == {"total_lines": 2, "lines_with_variance": 0, "lines_matched": 2, "adjustments": []}
    again = await inventory.post(
        "/api/inventory/cycle-count/submit",
        json={
            "count_id": count_id,
            "lines": [{"count_line_id": lines["SKU-1"]["count_line_id"], "counted_quantity": 1}],
        },
    )
    assert again.status_code == 400
    assert again.json()["code"] == "count_not_open"
    assert await pool.fetchval("SELECT count(*) FROM adjustments WHERE cycle_count_id = $1", count_id) == 0


async def test_variances_become_pending_adjustments_and_never_touch_stock_on_submit(
    inventory: httpx.AsyncClient, shelf: dict[str, Any]
) -> None:
    count_id = (await open_count(inventory, shelf))[0]["count_id"]
    lines = await lines_of(inventory, count_id)
    submitted = await inventory.post(
        "/api/inventory/cycle-count/submit",
        json={
            "count_id": count_id,
            "lines": [
                {"count_line_id": lines["SKU-1"]["count_line_id"], "counted_quantity": 47},
                {"counted_quantity": 4, "unexpected": True, "item_id": shelf["stray"]["item_id"]},
            ],
        },
    )
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["status"] == "VARIANCE"
    adjustments = body["summary"]["adjustments"]
    assert [(a["expected"], a["counted"], a["variance"]) for a in adjustments] == [(50, 47, -3), (0, 4, 4)]
    assert adjustments[1]["unexpected"] is True
    assert await on_hand(inventory, shelf["bin"]["bin_id"]) == {"SKU-1": 50, "SKU-2": 12}
    pending = (await inventory.get("/api/admin/adjustments/pending")).json()["adjustments"]
    assert [(p["sku"], p["quantity_change"], p["reason_code"], p["status"], p["cycle_count_id"]) for p in pending] == [
        ("SKU-1", -3, "CYCLE_COUNT", "PENDING", count_id),
        ("SKU-3", 4, "CYCLE_COUNT", "PENDING", count_id),
    ]
    after = await lines_of(inventory, count_id)
    assert after["SKU-2"]["counted_quantity"] is None  # not submitted: uncounted, not zero
    assert after["SKU-3"]["unexpected"] is True


async def test_submit_refuses_lines_of_another_count_and_unexpected_lines_without_item(
    inventory: httpx.AsyncClient, shelf: dict[str, Any]
) -> None:
    first, second = await open_count(inventory, shelf, shelf["bin"]["bin_id"], shelf["bin"]["bin_id"])
    foreign_line = next(iter((await lines_of(inventory, second["count_id"])).values()))["count_line_id"]
    wrong = await inventory.post(
        "/api/inventory/cycle-count/submit",
        json={"count_id": first["count_id"], "lines": [{"count_line_id": foreign_line, "counted_quantity": 1}]},
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid_count_line")
    no_item = await inventory.post(
        "/api/inventory/cycle-count/submit",
        json={"count_id": first["count_id"], "lines": [{"counted_quantity": 1, "unexpected": True}]},
    )
    assert no_item.json()["error"] == "item_id required for unexpected lines"
    assert (
        await inventory.post(
            "/api/inventory/cycle-count/submit",
            json={"count_id": 999999, "lines": [{"count_line_id": 1, "counted_quantity": 1}]},
        )
    ).status_code == 404


async def test_blind_counts_never_send_expected_quantities_to_counters(
    inventory: httpx.AsyncClient, shelf: dict[str, Any]
) -> None:
    changed = await inventory.put("/api/admin/settings", json={"settings": {"count_show_expected": "false"}})
    assert changed.status_code == 200, changed.text
    count_id = (await open_count(inventory, shelf))[0]["count_id"]
    read = (await inventory.get(f"/api/inventory/cycle-count/{count_id}")).json()
    assert read["show_expected"] is False
    assert {line["expected_quantity"] for line in read["lines"]} == {None}
    line_id = read["lines"][0]["count_line_id"]
    submitted = (
        await inventory.post(
            "/api/inventory/cycle-count/submit",
            json={"count_id": count_id, "lines": [{"count_line_id": line_id, "counted_quantity": 1}]},
        )
    ).json()
    assert [(a["expected"], a["variance"]) for a in submitted["summary"]["adjustments"]] == [(None, None)]
    # The admin review still sees everything.
    admin_view = (await inventory.get("/api/admin/cycle-counts")).json()["cycle_counts"][0]
    assert admin_view["count_id"] == count_id
    assert {line["expected_quantity"] for line in admin_view["lines"]} == {50, 12}


async def test_a_count_in_a_foreign_warehouse_is_forbidden(
    inventory: httpx.AsyncClient, shelf: dict[str, Any], identity_keys: IdentityKeys
) -> None:
    count_id = (await open_count(inventory, shelf))[0]["count_id"]
    outsider = identity_keys.headers(
        Identity(subject="u-9", username="o", role="USER", warehouse_ids=(shelf["wh"] + 1,))
    )
    assert (await inventory.get(f"/api/inventory/cycle-count/{count_id}", headers=outsider)).status_code == 403
    submit = {
        "count_id": count_id,
        "lines": [{"counted_quantity": 1, "unexpected": True, "item_id": shelf["stray"]["item_id"]}],
    }
    assert (await inventory.post("/api/inventory/cycle-count/submit", json=submit, headers=outsider)).status_code == 403
    insider = identity_keys.headers(Identity(subject="u-8", username="i", role="USER", warehouse_ids=(shelf["wh"],)))
    assert (await inventory.post("/api/inventory/cycle-count/submit", json=submit, headers=insider)).status_code == 200


async def test_two_counters_submitting_the_same_count_at_once_record_it_once(
    inventory: httpx.AsyncClient, shelf: dict[str, Any], pool: asyncpg.Pool
) -> None:
    count_id = (await open_count(inventory, shelf))[0]["count_id"]
    line_id = (await lines_of(inventory, count_id))["SKU-1"]["count_line_id"]
    body = {"count_id": count_id, "lines": [{"count_line_id": line_id, "counted_quantity": 55}]}
    responses = await asyncio.gather(
        *(inventory.post("/api/inventory/cycle-count/submit", json=body) for _ in range(6))
    )
    assert sorted(r.status_code for r in responses) == [200] + [400] * 5
    assert await pool.fetchval("SELECT count(*) FROM adjustments WHERE cycle_count_id = $1", count_id) == 1
    assert await pool.fetchval("SELECT count(*) FROM event_store WHERE event_type = 'cycle_count.submitted'") == 1


async def test_auto_adjust_applies_variances_at_submit_unless_separation_is_required(
    inventory: httpx.AsyncClient, shelf: dict[str, Any], pool: asyncpg.Pool
) -> None:
    await inventory.put("/api/admin/settings", json={"settings": {"count_auto_adjust": "true"}})
    count_id = (await open_count(inventory, shelf))[0]["count_id"]
    line_id = (await lines_of(inventory, count_id))["SKU-1"]["count_line_id"]
    body = {"count_id": count_id, "lines": [{"count_line_id": line_id, "counted_quantity": 53}]}
    submitted = (await inventory.post("/api/inventory/cycle-count/submit", json=body)).json()
    assert submitted["auto_adjusted"] is True
    assert (await on_hand(inventory, shelf["bin"]["bin_id"]))["SKU-1"] == 53
    assert (await inventory.get("/api/admin/adjustments/pending")).json()["adjustments"] == []
    assert await pool.fetchval("SELECT count(*) FROM event_store WHERE event_type = 'cycle_count.adjusted'") == 1

    await inventory.put("/api/admin/settings", json={"settings": {"require_count_approval_separation": "true"}})
    count_id = (await open_count(inventory, shelf))[0]["count_id"]
    line_id = (await lines_of(inventory, count_id))["SKU-1"]["count_line_id"]
    body = {"count_id": count_id, "lines": [{"count_line_id": line_id, "counted_quantity": 50}]}
    assert (await inventory.post("/api/inventory/cycle-count/submit", json=body)).json()["auto_adjusted"] is False
    assert (await on_hand(inventory, shelf["bin"]["bin_id"]))["SKU-1"] == 53
