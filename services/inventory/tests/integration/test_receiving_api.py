"""Purchase orders, receiving, undo and put-away over HTTP, on the real database."""

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest
from httpx import Response

from canonical.events.registry import default_registry
from canonical.identity import Identity
from canonical.testing import IdentityKeys

from .support import bin_, item, warehouse, zone

pytestmark = pytest.mark.integration


@pytest.fixture
async def dock(inventory: httpx.AsyncClient) -> dict[str, Any]:
    wh = await warehouse(inventory)
    z = await zone(inventory, wh)
    sku1, sku2 = await item(inventory, "SKU-1", upc="0001"), await item(inventory, "SKU-2")
    order = await inventory.post(
        "/api/admin/purchase-orders",
        json={
            "po_number": "PO-1",
            "warehouse_id": wh,
            "vendor_name": "Acme",
            "lines": [
                {"item_id": sku1["item_id"], "quantity_ordered": 10},
                {"item_id": sku2["item_id"], "quantity_ordered": 5, "unit_cost": 2.5},
            ],
        },
    )
    assert order.status_code == 201, order.text
    return {
        "wh": wh,
        "po": order.json(),
        "po_id": order.json()["purchase_order"]["po_id"],
        "staging": (await bin_(inventory, wh, z, "DOCK", bin_type="Staging"))["bin_id"],
        "shelf": (await bin_(inventory, wh, z, "A-01", putaway_sequence=5))["bin_id"],
        "sku1": sku1,
        "sku2": sku2,
    }


async def receive(
    client: httpx.AsyncClient, d: dict[str, Any], quantity: int, sku: str = "sku1", **kw: Any
) -> Response:
    entry = {"item_id": d[sku]["item_id"], "quantity": quantity, "bin_id": d["staging"], **kw.pop("entry", {})}
    return await client.post("/api/receiving/receive", json={"po_id": d["po_id"], "items": [entry]}, **kw)


async def status(client: httpx.AsyncClient, po_id: int) -> str:
    return str((await client.get(f"/api/admin/purchase-orders/{po_id}")).json()["purchase_order"]["status"])


async def test_a_new_order_is_open_numbered_and_scannable_by_its_number(
    inventory: httpx.AsyncClient, dock: dict[str, Any]
) -> None:
    header, lines = dock["po"]["purchase_order"], dock["po"]["lines"]
    assert (header["status"], header["po_barcode"]) == ("OPEN", "PO-1")
    assert [(line["line_number"], line["quantity_remaining"]) for line in lines] == [(1, 10), (2, 5)]
    scanned = await inventory.get("/api/receiving/po/PO-1")
    assert scanned.json()["purchase_order"]["po_id"] == dock["po_id"]
    assert [line["unit_cost"] for line in scanned.json()["lines"]] == [None, 2.5]
    assert (await inventory.get("/api/receiving/po/NOPE")).status_code == 404

    duplicate = await inventory.post(
        "/api/admin/purchase-orders",
        json={"po_number": "PO-1", "warehouse_id": dock["wh"], "lines": [{"item_id": 1, "quantity_ordered": 1}]},
    )
    assert duplicate.status_code == 400
    unknown_item = await inventory.post(
        "/api/admin/purchase-orders",
        json={"po_number": "PO-2", "warehouse_id": dock["wh"], "lines": [{"item_id": 999, "quantity_ordered": 1}]},
    )
    assert unknown_item.json()["error"] == "Item 999 not found"
    extra = await inventory.post(
        "/api/admin/purchase-orders",
        json={"po_number": "PO-3", "warehouse_id": dock["wh"], "vendor_address": "x", "lines": []},
    )
    assert extra.status_code == 400
    edited = await inventory.put(f"/api/admin/purchase-orders/{dock['po_id']}", json={"vendor_name": "Acme Ltd"})
    assert edited.json()["purchase_order"]["vendor_name"] == "Acme Ltd"
    listed = (await inventory.get("/api/admin/purchase-orders", params={"status": "OPEN", "q": "acme"})).json()
    assert [p["po_number"] for p in listed["purchase_orders"]] == ["PO-1"]


async def test_receiving_walks_the_status_machine_into_staging(
    inventory: httpx.AsyncClient, dock: dict[str, Any]
) -> None:
    first = await receive(inventory, dock, 4, entry={"lot_number": "L1"})
    assert first.status_code == 200, first.text
    assert (first.json()["po_status"], first.json()["warnings"], len(first.json()["receipt_ids"])) == ("PARTIAL", [], 1)
    assert (await inventory.put(f"/api/admin/purchase-orders/{dock['po_id']}", json={"notes": "x"})).status_code == 400

    over = await receive(inventory, dock, 7)
    assert over.status_code == 400
    assert "Over-receipt" in over.json()["error"]
    assert (await receive(inventory, dock, 6)).json()["po_status"] == "PARTIAL"
    assert (await receive(inventory, dock, 5, sku="sku2")).json()["po_status"] == "RECEIVED"
    assert (await inventory.get("/api/receiving/po/PO-1")).status_code == 200  # RECEIVED can still be looked up
    assert (await receive(inventory, dock, 1)).status_code == 400  # but not received into

    pending = (await inventory.get(f"/api/putaway/pending/{dock['wh']}")).json()["pending_items"]
    assert [(p["sku"], p["lot_number"], p["quantity"]) for p in pending] == [
        ("SKU-1", None, 6),
        ("SKU-1", "L1", 4),
        ("SKU-2", None, 5),
    ]

    assert (await inventory.post(f"/api/admin/purchase-orders/{dock['po_id']}/close")).json()["status"] == "CLOSED"
    assert (await inventory.post(f"/api/admin/purchase-orders/{dock['po_id']}/close")).status_code == 409
    closed = await inventory.get("/api/receiving/po/PO-1")
    assert closed.status_code == 400
    assert "closed" in closed.json()["message"]
    assert (await inventory.post(f"/api/admin/purchase-orders/{dock['po_id']}/reopen")).json()["status"] == "OPEN"
    assert (await inventory.post(f"/api/admin/purchase-orders/{dock['po_id']}/reopen")).status_code == 409


async def test_the_over_receiving_setting_turns_the_refusal_into_a_warning(
    inventory: httpx.AsyncClient, dock: dict[str, Any]
) -> None:
    await inventory.put(
        "/api/admin/settings", json={"warehouse_id": dock["wh"], "settings": {"allow_over_receipt": "true"}}
    )
    allowed = await receive(inventory, dock, 12)
    assert allowed.status_code == 200
    assert "Over-receipt" in allowed.json()["warnings"][0]


async def test_a_refused_entry_applies_nothing(inventory: httpx.AsyncClient, dock: dict[str, Any]) -> None:
    body = {
        "po_id": dock["po_id"],
        "items": [
            {"item_id": dock["sku1"]["item_id"], "quantity": 2, "bin_id": dock["staging"]},
            {"item_id": dock["sku2"]["item_id"], "quantity": 1, "bin_id": 999},
        ],
    }
    refused = await inventory.post("/api/receiving/receive", json=body)
    assert refused.status_code == 404
    assert refused.json()["error"] == "Bin 999 not found"
    assert (await inventory.get(f"/api/putaway/pending/{dock['wh']}")).json()["pending_items"] == []
    assert await status(inventory, dock["po_id"]) == "OPEN"


async def test_undo_reverses_only_what_is_still_in_the_staging_bin(
    inventory: httpx.AsyncClient, dock: dict[str, Any]
) -> None:
    receipts = (await receive(inventory, dock, 10)).json()["receipt_ids"]
    put = await inventory.post(
        "/api/putaway/confirm",
        json={
            "item_id": dock["sku1"]["item_id"],
            "from_bin_id": dock["staging"],
            "to_bin_id": dock["shelf"],
            "quantity": 6,
        },
    )
    assert put.status_code == 200, put.text
    assert (put.json()["from_bin"], put.json()["to_bin"], put.json()["quantity"]) == ("DOCK", "A-01", 6)

    undone = await inventory.post("/api/receiving/cancel", json={"receipt_ids": [*receipts, 999]})
    assert undone.json() == {"message": "Cancelled 1 receipt(s)", "reversed": 1}
    lines = (await inventory.get(f"/api/admin/purchase-orders/{dock['po_id']}")).json()["lines"]
    assert lines[0]["quantity_received"] == 6  # the 6 on the shelf stay received
    assert await status(inventory, dock["po_id"]) == "PARTIAL"
    assert (await inventory.post("/api/receiving/cancel", json={"receipt_ids": receipts})).json()["reversed"] == 0
    assert (await inventory.post("/api/receiving/cancel", json={})).json() == {
        "message": "Nothing to cancel",
        "reversed": 0,
    }


async def test_undo_never_changes_a_closed_order(inventory: httpx.AsyncClient, dock: dict[str, Any]) -> None:
    receipts = (await receive(inventory, dock, 3)).json()["receipt_ids"]
    await inventory.post(f"/api/admin/purchase-orders/{dock['po_id']}/close")
    assert (await inventory.post("/api/receiving/cancel", json={"receipt_ids": receipts})).json()["reversed"] == 0
    assert await status(inventory, dock["po_id"]) == "CLOSED"


async def test_put_away_suggestions_preferred_then_stock_then_sequence(
    inventory: httpx.AsyncClient, dock: dict[str, Any]
) -> None:
    sku1 = dock["sku1"]["item_id"]
    by_sequence = (await inventory.get(f"/api/putaway/suggest/{sku1}")).json()
    assert (by_sequence["preferred_bin"], by_sequence["suggested_bin"]["bin_code"]) == (None, "A-01")
    assert by_sequence["suggested_bin"]["source"] == "sequence"
    await inventory.post("/api/admin/preferred-bins", json={"item_id": sku1, "bin_id": dock["shelf"], "priority": 1})
    preferred = (await inventory.get(f"/api/putaway/suggest/{sku1}")).json()
    assert preferred["preferred_bin"] == preferred["suggested_bin"]
    assert preferred["suggested_bin"]["priority"] == 1
    assert (await inventory.get("/api/putaway/suggest/999")).status_code == 404


async def test_users_only_see_and_receive_orders_of_their_warehouses(
    inventory: httpx.AsyncClient, dock: dict[str, Any], identity_keys: IdentityKeys
) -> None:
    outsider = identity_keys.headers(
        Identity(subject="u-5", username="o", role="USER", warehouse_ids=(dock["wh"] + 1,))
    )
    assert (await inventory.get("/api/receiving/po/PO-1", headers=outsider)).status_code == 404
    assert (await receive(inventory, dock, 1, headers=outsider)).status_code == 404
    assert (await inventory.get(f"/api/putaway/pending/{dock['wh']}", headers=outsider)).status_code == 403
    insider = identity_keys.headers(Identity(subject="u-6", username="i", role="USER", warehouse_ids=(dock["wh"],)))
    assert (await receive(inventory, dock, 1, headers=insider)).status_code == 200


async def test_two_scanners_receiving_the_same_line_at_once(inventory: httpx.AsyncClient, dock: dict[str, Any]) -> None:
    # 10 ordered; 8 scanners each receive 2 at the same moment: exactly 5 fit, the rest are over-receipts.
    responses = await asyncio.gather(*(receive(inventory, dock, 2) for _ in range(8)))
    assert sorted(r.status_code for r in responses) == [200] * 5 + [400] * 3
    lines = (await inventory.get(f"/api/admin/purchase-orders/{dock['po_id']}")).json()["lines"]
    assert lines[0]["quantity_received"] == 10
    pending = (await inventory.get(f"/api/putaway/pending/{dock['wh']}")).json()["pending_items"]
    assert [p["quantity"] for p in pending if p["item_id"] == dock["sku1"]["item_id"]] == [10]


async def test_each_receipt_goes_out_as_a_sentry_receipt_completed_event(
    inventory: httpx.AsyncClient, dock: dict[str, Any], pool: asyncpg.Pool
) -> None:
    receipt_id = (await receive(inventory, dock, 3, entry={"lot_number": "L9"})).json()["receipt_ids"][0]
    # The event store keeps it (the outbox row is gone once the relay has published it).
    rows = await pool.fetch("SELECT stream_id, data FROM event_store WHERE event_type = 'receipt.completed'")
    assert [r["stream_id"] for r in rows] == [f"receipt-{receipt_id}"]
    assert default_registry().latest("receipt.completed").topic("wms.") == "wms.receiving.v1"
    event = {"data": rows[0]["data"]}  # the pool decodes jsonb
    assert event["data"]["po_external_id"] == dock["po"]["purchase_order"]["external_id"]
    assert event["data"]["lines"] == [
        {
            "item_external_id": dock["sku1"]["external_id"],
            "quantity_received": 3,
            "lot_number": "L9",
            "serial_number": None,
        }
    ]
    assert event["data"]["completed_at"].endswith("Z")


async def test_making_a_bin_primary_reranks_the_others_and_sets_the_default(
    inventory: httpx.AsyncClient, dock: dict[str, Any]
) -> None:
    sku1 = dock["sku1"]["item_id"]
    await inventory.post("/api/admin/preferred-bins", json={"item_id": sku1, "bin_id": dock["staging"], "priority": 1})
    made = await inventory.post("/api/putaway/update-preferred", json={"item_id": sku1, "bin_id": dock["shelf"]})
    assert made.json() == {
        "message": "Preferred bin updated",
        "item_id": sku1,
        "bin_id": dock["shelf"],
        "bin_code": "A-01",
    }
    ranked = (await inventory.get("/api/admin/preferred-bins", params={"item_id": sku1})).json()["preferred_bins"]
    assert [(p["bin_code"], p["priority"]) for p in ranked] == [("A-01", 1), ("DOCK", 2)]
    assert (await inventory.get(f"/api/admin/items/{sku1}")).json()["item"]["default_bin_id"] == dock["shelf"]
    missing = await inventory.post("/api/putaway/update-preferred", json={"item_id": sku1, "bin_id": 999})
    assert missing.status_code == 404
