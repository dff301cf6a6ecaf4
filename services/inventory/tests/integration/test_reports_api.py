"""Admin dashboard, inventory list and global search over HTTP."""

from typing import Any

import httpx
import pytest

from canonical.identity import Identity
from canonical.testing import IdentityKeys

from .support import bin_, item, warehouse, zone

pytestmark = pytest.mark.integration


@pytest.fixture
async def floor(inventory: httpx.AsyncClient) -> dict[str, Any]:
    """An open PO (10 + 5 ordered), 4 received into staging, 8 of SKU-1 on a shelf (reorder point 20)."""
    wh = await warehouse(inventory)
    z = await zone(inventory, wh)
    dock = (await bin_(inventory, wh, z, "DOCK", bin_type="Staging"))["bin_id"]
    shelf = (await bin_(inventory, wh, z, "A-01"))["bin_id"]
    one = await item(inventory, "FLY-1", upc="0001", reorder_point=20)
    two = await item(inventory, "REEL-2", item_name="Nymph reel")
    order = await inventory.post(
        "/api/admin/purchase-orders",
        json={
            "po_number": "PO-9",
            "warehouse_id": wh,
            "vendor_name": "Acme Flies",
            "lines": [
                {"item_id": one["item_id"], "quantity_ordered": 10},
                {"item_id": two["item_id"], "quantity_ordered": 5},
            ],
        },
    )
    assert order.status_code == 201, order.text
    entry = {"item_id": two["item_id"], "quantity": 4, "bin_id": dock}
    po_id = order.json()["purchase_order"]["po_id"]
    assert (await inventory.post("/api/receiving/receive", json={"po_id": po_id, "items": [entry]})).status_code == 200
    body = {"warehouse_id": wh, "bin_id": shelf, "item_id": one["item_id"], "adjustment_type": "ADD"}
    assert (
        await inventory.post("/api/admin/adjustments/direct", json={**body, "quantity": 8, "reason": "x"})
    ).status_code == 201
    return {"wh": wh, "dock": dock, "shelf": shelf, "one": one, "two": two}


async def test_the_dashboard_counts_what_waits_for_someone(inventory: httpx.AsyncClient, floor: dict[str, Any]) -> None:
    created = await inventory.post(
        "/api/inventory/cycle-count/create", json={"warehouse_id": floor["wh"], "bin_ids": [floor["shelf"]]}
    )
    count_id = created.json()["counts"][0]["count_id"]
    line = (await inventory.get(f"/api/inventory/cycle-count/{count_id}")).json()["lines"][0]
    submit = {"count_id": count_id, "lines": [{"count_line_id": line["count_line_id"], "counted_quantity": 7}]}
    assert (await inventory.post("/api/inventory/cycle-count/submit", json=submit)).status_code == 200

    board = await inventory.get("/api/admin/dashboard", params={"warehouse_id": floor["wh"]})
    assert board.status_code == 200, board.text
    figures = board.json()
    assert figures["open_pos"] == 1
    assert figures["pending_receipts"] == 11  # 10 + (5 - 4)
    assert figures["items_awaiting_putaway"] == 4
    assert (figures["total_skus"], figures["total_bins"]) == (2, 2)
    assert figures["low_stock_items"] == 1  # FLY-1: 8 on hand, reorder at 20
    assert figures["pending_adjustments"] == 1
    assert (figures["open_sos"], figures["orders_ready_to_pick"], figures["orders_in_picking"]) == (0, 0, 0)
    assert figures["require_packing"] is True
    assert (figures["ready_to_pack"], figures["orders_packed"], figures["ready_to_ship"]) == (0, 0, 0)
    assert figures["short_picks_7d"] == 0
    assert figures["recent_activity"][0]["action"] == "cycle_count.submitted" or len(figures["recent_activity"]) == 10
    assert len(figures["recent_activity"]) <= 10

    await inventory.put("/api/admin/settings", json={"settings": {"require_packing_before_shipping": "false"}})
    unpacked = (await inventory.get("/api/admin/dashboard")).json()
    assert "ready_to_pack" not in unpacked
    assert "orders_packed" not in unpacked
    assert unpacked["ready_to_ship"] == 0


async def test_the_inventory_list_filters_by_text_and_shows_the_last_count(
    inventory: httpx.AsyncClient, floor: dict[str, Any]
) -> None:
    listed = (await inventory.get("/api/admin/inventory", params={"warehouse_id": floor["wh"]})).json()
    assert (listed["total"], listed["pages"]) == (2, 1)
    assert [(r["sku"], r["bin_code"], r["quantity_on_hand"]) for r in listed["inventory"]] == [
        ("FLY-1", "A-01", 8),
        ("REEL-2", "DOCK", 4),
    ]
    assert listed["inventory"][0]["last_counted_at"] is None
    assert listed["inventory"][0]["committed_to_orders"] == 0
    created = await inventory.post(
        "/api/inventory/cycle-count/create", json={"warehouse_id": floor["wh"], "bin_ids": [floor["shelf"]]}
    )
    count_id = created.json()["counts"][0]["count_id"]
    line = (await inventory.get(f"/api/inventory/cycle-count/{count_id}")).json()["lines"][0]
    submit = {"count_id": count_id, "lines": [{"count_line_id": line["count_line_id"], "counted_quantity": 8}]}
    assert (await inventory.post("/api/inventory/cycle-count/submit", json=submit)).status_code == 200
    found = (await inventory.get("/api/admin/inventory", params={"q": "  nymph "})).json()["inventory"]
    assert [r["sku"] for r in found] == ["REEL-2"]
    counted = (await inventory.get("/api/admin/inventory", params={"item_id": floor["one"]["item_id"]})).json()[
        "inventory"
    ]
    assert counted[0]["last_counted_at"] is not None
    assert (await inventory.get("/api/admin/inventory", params={"q": "   "})).json()["total"] == 2


async def test_search_needs_two_characters_and_returns_each_type_in_order(
    inventory: httpx.AsyncClient, floor: dict[str, Any], identity_keys: IdentityKeys
) -> None:
    short = await inventory.get("/api/admin/search", params={"q": " a "})
    assert short.status_code == 400
    assert (short.json()["error"], short.json()["min_length"]) == ("min_length", 2)
    found = (await inventory.get("/api/admin/search", params={"q": "ac", "warehouse_id": floor["wh"]})).json()
    assert found["query"] == "ac"
    assert [(r["type"], r["label"]) for r in found["results"]] == [("po", "PO-9")]  # vendor Acme
    items = (await inventory.get("/api/admin/search", params={"q": "01"})).json()["results"]
    assert [(r["type"], r["label"]) for r in items][:2] == [("item", "FLY-1"), ("bin", "A-01")]
    assert (await inventory.get("/api/admin/search", params={"q": "%_"})).json()["results"] == []
    user = identity_keys.headers(Identity(subject="u-1", username="u", role="USER", warehouse_ids=(floor["wh"],)))
    assert (await inventory.get("/api/admin/dashboard", headers=user)).status_code == 403
