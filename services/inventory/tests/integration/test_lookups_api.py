"""Scanner lookups by barcode and text, limited to the caller's warehouses."""

from typing import Any

import httpx
import pytest

from canonical.identity import Identity
from canonical.testing import IdentityKeys

from .support import bin_, item, warehouse, zone

pytestmark = pytest.mark.integration


@pytest.fixture
async def two_sites(inventory: httpx.AsyncClient) -> dict[str, Any]:
    here, there = await warehouse(inventory), await warehouse(inventory, "WH2")
    shelf = (await bin_(inventory, here, await zone(inventory, here), "A-01"))["bin_id"]
    far = (await bin_(inventory, there, await zone(inventory, there), "F-01"))["bin_id"]
    sku = await item(inventory, "SKU-1", upc="0001", barcode_aliases=["ALIAS-1"])
    for wh, bin_id, quantity in ((here, shelf, 5), (there, far, 7)):
        await inventory.post(
            "/api/admin/adjustments/direct",
            json={"warehouse_id": wh, "bin_id": bin_id, "item_id": sku["item_id"], "adjustment_type": "ADD",
                  "quantity": quantity, "reason": "opening"},
        )  # fmt: skip
    await item(inventory, "SKU-2")  # no stock anywhere
    return {"here": here, "there": there}


async def test_items_are_found_by_upc_sku_or_alias_with_their_locations(
    inventory: httpx.AsyncClient, two_sites: dict[str, Any], identity_keys: IdentityKeys
) -> None:
    for barcode in ("0001", "SKU-1", "ALIAS-1", " 0001 "):
        found = await inventory.get(f"/api/lookup/item/{barcode}")
        assert found.status_code == 200, barcode
        assert found.json()["item"]["sku"] == "SKU-1"
    assert len((await inventory.get("/api/lookup/item/0001")).json()["locations"]) == 2
    assert (await inventory.get("/api/lookup/item/nothing")).status_code == 404

    user = identity_keys.headers(Identity(subject="u", username="u", role="USER", warehouse_ids=(two_sites["here"],)))
    mine = (await inventory.get("/api/lookup/item/0001", headers=user)).json()["locations"]
    assert [(loc["bin_code"], loc["quantity_available"]) for loc in mine] == [("A-01", 5)]
    assert [i["sku"] for i in (await inventory.get("/api/lookup/item/search?q=sku", headers=user)).json()] == ["SKU-1"]
    assert [i["sku"] for i in (await inventory.get("/api/lookup/item/search?q=sku")).json()] == ["SKU-1", "SKU-2"]
    assert (await inventory.get("/api/lookup/item/search?q=")).json() == []


async def test_bins_in_other_warehouses_look_like_no_bin(
    inventory: httpx.AsyncClient, two_sites: dict[str, Any], identity_keys: IdentityKeys
) -> None:
    found = (await inventory.get("/api/lookup/bin/BC-A-01")).json()
    assert found["bin"]["bin_code"] == "A-01"
    assert [(i["sku"], i["quantity_on_hand"]) for i in found["items"]] == [("SKU-1", 5)]
    user = identity_keys.headers(Identity(subject="u", username="u", role="USER", warehouse_ids=(two_sites["here"],)))
    assert (await inventory.get("/api/lookup/bin/F-01", headers=user)).status_code == 404
    assert [b["bin_code"] for b in (await inventory.get("/api/lookup/bin/search?q=01", headers=user)).json()] == [
        "A-01"
    ]
