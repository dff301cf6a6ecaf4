"""Movement history and stock as of a moment, straight from the stock events."""

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from canonical.identity import Identity
from canonical.testing import IdentityKeys

from .support import bin_, item, warehouse, zone

pytestmark = pytest.mark.integration


async def test_every_movement_is_listed_and_any_past_moment_can_be_read(
    inventory: httpx.AsyncClient, identity_keys: IdentityKeys
) -> None:
    wh = await warehouse(inventory)
    z = await zone(inventory, wh)
    a1, a2 = (await bin_(inventory, wh, z, "A-01"))["bin_id"], (await bin_(inventory, wh, z, "A-02"))["bin_id"]
    sku = (await item(inventory, "SKU-1"))["item_id"]
    adjustment = {"warehouse_id": wh, "bin_id": a1, "item_id": sku, "adjustment_type": "ADD", "reason": "opening"}
    await inventory.post("/api/admin/adjustments/direct", json={**adjustment, "quantity": 10})
    await asyncio.sleep(0.05)
    before_move = datetime.now(UTC)
    await asyncio.sleep(0.05)
    move = {"item_id": sku, "from_bin_id": a1, "to_bin_id": a2, "quantity": 4}
    assert (await inventory.post("/api/transfers/move", json=move)).status_code == 200

    history = (await inventory.get("/api/v1/inventory/history", params={"item_id": sku})).json()
    assert history["total"] == 3
    assert [(m["bin_code"], m["on_hand_change"], m["reason"]) for m in history["movements"]] == [
        ("A-02", 4, "move"),
        ("A-01", -4, "move"),
        ("A-01", 10, "adjustment"),
    ]
    by_bin = (await inventory.get("/api/v1/inventory/history", params={"bin_id": a2})).json()
    assert by_bin["total"] == 1

    then = (
        await inventory.get("/api/v1/inventory/as-of", params={"at": before_move.isoformat(), "item_id": sku})
    ).json()
    assert [(p["bin_id"], p["quantity_on_hand"]) for p in then["inventory"]] == [(a1, 10)]
    now = (await inventory.get("/api/v1/inventory/as-of", params={"at": datetime.now(UTC).isoformat()})).json()
    assert sorted((p["bin_id"], p["quantity_on_hand"]) for p in now["inventory"]) == [(a1, 6), (a2, 4)]
    naive = await inventory.get("/api/v1/inventory/as-of", params={"at": "2026-01-01T00:00:00"})
    assert naive.status_code == 400

    outsider = Identity(subject="u", username="u", role="USER", warehouse_ids=(wh + 1,))
    hidden = (await inventory.get("/api/v1/inventory/history", headers=identity_keys.headers(outsider))).json()
    assert hidden["total"] == 0
    refused = await inventory.get(
        "/api/v1/inventory/history", params={"warehouse_id": wh}, headers=identity_keys.headers(outsider)
    )
    assert refused.status_code == 403
