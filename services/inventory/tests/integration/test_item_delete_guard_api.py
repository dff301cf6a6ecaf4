"""Item delete refuses items that sales order lines name (v1.7 B.2), with a stable 409 code."""

from __future__ import annotations

import httpx
import pytest

from .support import item, warehouse
from .test_orders_support import Floor, sales_order

pytestmark = pytest.mark.integration


async def test_an_item_on_a_sales_order_cannot_be_deleted_but_can_be_archived(inventory: httpx.AsyncClient) -> None:
    wh = await warehouse(inventory)
    ordered = (await item(inventory, "SOLD-1"))["item_id"]
    spare = (await item(inventory, "SPARE-1"))["item_id"]
    order = await sales_order(inventory, Floor(wh, {}, {"SOLD-1": ordered}), "SO-DEL-1", ("SOLD-1", 2))

    refused = await inventory.delete(f"/api/admin/items/{ordered}")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "item_on_sales_orders"
    assert "Archive it instead" in refused.json()["error"]
    assert (await inventory.get(f"/api/admin/items/{ordered}")).status_code == 200

    # A cancelled order still names it: its lines keep their item in the order's history.
    assert (await inventory.post(f"/api/admin/sales-orders/{order['sales_order']['so_id']}/cancel")).status_code == 200
    assert (await inventory.delete(f"/api/admin/items/{ordered}")).json()["code"] == "item_on_sales_orders"
    assert (await inventory.post(f"/api/admin/items/{ordered}/archive")).status_code == 200

    assert (await inventory.delete(f"/api/admin/items/{spare}")).status_code == 200
    assert (await inventory.get(f"/api/admin/items/{spare}")).status_code == 404
