"""Zones, bins, items and preferred bins over HTTP, on the real database."""

import asyncio

import httpx
import pytest

from .support import bin_, item, warehouse, zone

pytestmark = pytest.mark.integration


async def test_warehouse_detail_update_and_delete_guarded_by_zones_and_bins(inventory: httpx.AsyncClient) -> None:
    wh = await warehouse(inventory)
    other = await warehouse(inventory, "WH2")
    z = await zone(inventory, wh)
    detail = (await inventory.get(f"/api/admin/warehouses/{wh}")).json()
    assert detail["warehouse"]["warehouse_code"] == "WH1"
    assert [zz["zone_id"] for zz in detail["zones"]] == [z]
    assert (await inventory.get("/api/admin/warehouses/999")).status_code == 404

    renamed = await inventory.put(f"/api/admin/warehouses/{wh}", json={"warehouse_name": "Main", "is_active": False})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["warehouse_name"] == "Main"
    assert (await inventory.get("/api/warehouses/list")).json()["warehouses"] == [
        {"id": other, "name": "WH2", "code": "WH2"}
    ]
    assert (await inventory.put(f"/api/admin/warehouses/{wh}", json={})).status_code == 400
    duplicate = await inventory.put(f"/api/admin/warehouses/{wh}", json={"warehouse_code": "WH2"})
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "duplicate_warehouse_code"
    assert (await inventory.put(f"/api/admin/warehouses/{wh}", json={"warehouse_name": None})).status_code == 400

    b = await bin_(inventory, wh, z, "A-01")
    refused = await inventory.delete(f"/api/admin/warehouses/{wh}")
    assert refused.status_code == 400
    assert refused.json()["code"] == "warehouse_not_empty"
    assert (await inventory.delete(f"/api/admin/bins/{b['bin_id']}")).json() == {"message": "Bin deleted"}
    assert (await inventory.delete(f"/api/admin/warehouses/{wh}")).status_code == 400  # the zone is still there
    assert (await inventory.delete(f"/api/admin/zones/{z}")).status_code == 200
    assert (await inventory.delete(f"/api/admin/warehouses/{wh}")).json() == {"message": "Warehouse deleted"}
    assert (await inventory.get(f"/api/admin/warehouses/{wh}")).status_code == 404
    assert (await inventory.delete(f"/api/admin/warehouses/{wh}")).status_code == 404


async def test_zones_are_unique_per_warehouse_and_cannot_be_deleted_with_bins(inventory: httpx.AsyncClient) -> None:
    wh, other = await warehouse(inventory), await warehouse(inventory, "WH2")
    z = await zone(inventory, wh)
    await zone(inventory, other)  # the same code in another warehouse is fine
    again = await inventory.post(
        "/api/admin/zones", json={"warehouse_id": wh, "zone_code": "STO", "zone_name": "x", "zone_type": "STORAGE"}
    )
    assert again.status_code == 400
    assert again.json()["error"] == "Duplicate zone_code"
    bad_type = await inventory.post(
        "/api/admin/zones", json={"warehouse_id": wh, "zone_code": "Q", "zone_name": "x", "zone_type": "YARD"}
    )
    assert bad_type.status_code == 400
    assert bad_type.json()["error"] == "validation_error"
    unknown = await inventory.post(
        "/api/admin/zones", json={"warehouse_id": 999, "zone_code": "Q", "zone_name": "x", "zone_type": "STORAGE"}
    )
    assert unknown.status_code == 409

    updated = await inventory.put(f"/api/admin/zones/{z}", json={"zone_name": "Bulk", "zone_type": "PICKING"})
    assert updated.json()["zone_type"] == "PICKING"
    listed = (await inventory.get("/api/admin/zones", params={"warehouse_id": wh})).json()
    assert [(r["zone_id"], r["zone_name"]) for r in listed["zones"]] == [(z, "Bulk")]
    assert listed["total"] == 1

    await bin_(inventory, wh, z, "A-01")
    blocked = await inventory.delete(f"/api/admin/zones/{z}")
    assert blocked.status_code == 409
    assert "1 bin" in blocked.json()["message"]


async def test_bins_carry_type_location_and_sequences_and_filter(inventory: httpx.AsyncClient) -> None:
    wh = await warehouse(inventory)
    z = await zone(inventory, wh)
    dock = await bin_(inventory, wh, z, "DOCK", bin_type="Staging", pick_sequence=0)
    shelf = await bin_(
        inventory, wh, z, "A-01-02", aisle="A", row_num=1, level_num=2, position_num=3, pick_sequence=20,
        putaway_sequence=5,
    )  # fmt: skip
    assert shelf["bin_type"] == "Pickable"
    assert (shelf["aisle"], shelf["row_num"], shelf["level_num"], shelf["position_num"]) == ("A", 1, 2, 3)
    assert len(shelf["external_id"]) == 36

    staging = (await inventory.get("/api/admin/bins", params={"warehouse_id": wh, "bin_type": "Staging"})).json()
    assert [b["bin_id"] for b in staging["bins"]] == [dock["bin_id"]]
    assert staging["bins"][0]["zone_name"] == "STO"
    searched = (await inventory.get("/api/admin/bins", params={"q": "bc-a-01"})).json()
    assert [b["bin_code"] for b in searched["bins"]] == ["A-01-02"]
    literal = (await inventory.get("/api/admin/bins", params={"q": "%"})).json()
    assert literal["total"] == 0

    duplicate = await inventory.post(
        "/api/admin/bins", json={"warehouse_id": wh, "zone_id": z, "bin_code": "DOCK", "bin_barcode": "x"}
    )
    assert duplicate.status_code == 400
    assert duplicate.json()["code"] == "duplicate_bin_code"
    for bad in ({"bin_type": "Shelf"}, {"row_num": -1}, {"pick_sequence": -5}):
        response = await inventory.post(
            "/api/admin/bins", json={"warehouse_id": wh, "zone_id": z, "bin_code": "N", "bin_barcode": "N", **bad}
        )
        assert response.status_code == 400, bad

    other_zone = await zone(inventory, await warehouse(inventory, "WH2"))
    foreign = await inventory.post(
        "/api/admin/bins", json={"warehouse_id": wh, "zone_id": other_zone, "bin_code": "N", "bin_barcode": "N"}
    )
    assert foreign.status_code == 400
    assert foreign.json()["code"] == "invalid_bin"

    moved = await inventory.put(f"/api/admin/bins/{shelf['bin_id']}", json={"bin_code": "DOCK"})
    assert moved.status_code == 409
    changed = await inventory.put(f"/api/admin/bins/{shelf['bin_id']}", json={"pick_sequence": 7, "aisle": None})
    assert (changed.json()["pick_sequence"], changed.json()["aisle"]) == (7, None)
    detail = (await inventory.get(f"/api/admin/bins/{shelf['bin_id']}")).json()
    assert detail["bin"]["pick_sequence"] == 7
    assert (await inventory.get("/api/admin/bins/999")).status_code == 404


async def test_items_with_barcodes_archive_and_delete(inventory: httpx.AsyncClient) -> None:
    created = await item(inventory, "SKU-1", upc="0001", barcode_aliases=["ALT-1"], weight_lbs=1.25, category="Tools")
    assert created["barcode_aliases"] == ["ALT-1"]
    assert created["weight_lbs"] == 1.25
    assert created["is_active"] is True
    duplicate_sku = await inventory.post("/api/admin/items", json={"sku": "SKU-1", "item_name": "x"})
    assert duplicate_sku.json()["error"] == "Duplicate SKU"
    duplicate_upc = await inventory.post("/api/admin/items", json={"sku": "SKU-2", "item_name": "x", "upc": "0001"})
    assert duplicate_upc.json()["error"] == "Duplicate UPC"
    too_heavy = await inventory.post("/api/admin/items", json={"sku": "SKU-3", "item_name": "x", "weight_lbs": 100000})
    assert too_heavy.status_code == 400

    other = await item(inventory, "SKU-2")
    renamed = await inventory.put(f"/api/admin/items/{other['item_id']}", json={"sku": "SKU-1"})
    assert renamed.status_code == 409
    updated = await inventory.put(
        f"/api/admin/items/{other['item_id']}", json={"reorder_point": 5, "barcode_aliases": ["X", "Y"]}
    )
    assert (updated.json()["reorder_point"], updated.json()["barcode_aliases"]) == (5, ["X", "Y"])

    archived = await inventory.post(f"/api/admin/items/{other['item_id']}/archive")
    assert archived.json() == {"message": "Item archived", "is_active": False}
    active = (await inventory.get("/api/admin/items", params={"active": "true"})).json()
    assert [i["sku"] for i in active["items"]] == ["SKU-1"]
    by_text = (await inventory.get("/api/admin/items", params={"q": "0001"})).json()
    assert [i["sku"] for i in by_text["items"]] == ["SKU-1"]
    restored = await inventory.post(f"/api/admin/items/{other['item_id']}/archive")
    assert restored.json()["is_active"] is True

    assert (await inventory.delete(f"/api/admin/items/{other['item_id']}")).status_code == 200
    assert (await inventory.get(f"/api/admin/items/{other['item_id']}")).status_code == 404


async def test_preferred_bins_upsert_and_show_as_the_default_bin(inventory: httpx.AsyncClient) -> None:
    wh = await warehouse(inventory)
    z = await zone(inventory, wh)
    first, second = await bin_(inventory, wh, z, "A-01"), await bin_(inventory, wh, z, "A-02")
    sku = await item(inventory, "SKU-1")
    for bin_id, priority in ((second["bin_id"], 2), (first["bin_id"], 1), (second["bin_id"], 3)):
        saved = await inventory.post(
            "/api/admin/preferred-bins", json={"item_id": sku["item_id"], "bin_id": bin_id, "priority": priority}
        )
        assert saved.json() == {"message": "Preferred bin saved"}
    listed = (await inventory.get("/api/admin/preferred-bins", params={"item_id": sku["item_id"]})).json()
    assert [(p["bin_code"], p["priority"]) for p in listed["preferred_bins"]] == [("A-01", 1), ("A-02", 3)]
    detail = (await inventory.get(f"/api/admin/items/{sku['item_id']}")).json()
    assert detail["item"]["default_bin_code"] == "A-01"
    assert len(detail["preferred_bins"]) == 2

    unknown = await inventory.post("/api/admin/preferred-bins", json={"item_id": sku["item_id"], "bin_id": 999})
    assert unknown.status_code == 409
    assert (await inventory.put("/api/admin/preferred-bins/999", json={"priority": 2})).status_code == 200
    assert (await inventory.put("/api/admin/preferred-bins/999", json={"priority": 101})).status_code == 400

    in_use = await inventory.delete(f"/api/admin/bins/{first['bin_id']}")
    assert in_use.status_code == 409
    assert in_use.json()["code"] == "bin_in_use"
    mapping = listed["preferred_bins"][0]["preferred_bin_id"]
    assert (await inventory.delete(f"/api/admin/preferred-bins/{mapping}")).status_code == 200
    assert (await inventory.delete(f"/api/admin/bins/{first['bin_id']}")).status_code == 200
    # Deleting the item takes its remaining mapping with it, so the bin becomes deletable.
    assert (await inventory.delete(f"/api/admin/items/{sku['item_id']}")).status_code == 200
    assert (await inventory.delete(f"/api/admin/bins/{second['bin_id']}")).status_code == 200


async def test_concurrent_bin_creates_of_one_code_make_exactly_one_bin(inventory: httpx.AsyncClient) -> None:
    wh = await warehouse(inventory)
    z = await zone(inventory, wh)
    responses = await asyncio.gather(
        *(
            inventory.post(
                "/api/admin/bins", json={"warehouse_id": wh, "zone_id": z, "bin_code": "RACE", "bin_barcode": f"B{i}"}
            )
            for i in range(6)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [400] * 5
