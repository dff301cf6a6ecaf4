"""A small pick floor set up over HTTP for the fulfilment tests (helpers only, no tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from .support import bin_, item, warehouse, zone


@dataclass(frozen=True)
class Floor:
    wh: int
    bins: dict[str, int]
    items: dict[str, int]


async def add_stock(client: httpx.AsyncClient, wh: int, bin_id: int, item_id: int, quantity: int, **extra: Any) -> None:
    body = {"warehouse_id": wh, "bin_id": bin_id, "item_id": item_id, "adjustment_type": "ADD", "quantity": quantity}
    response = await client.post("/api/admin/adjustments/direct", json={**body, "reason": "opening", **extra})
    assert response.status_code == 201, response.text


async def pick_floor(client: httpx.AsyncClient) -> Floor:
    """Shelf bins walked A (100), B (200), C (300), a bulk bin at 0 and a dock that never allocates.

    Stock: TST-1 8 in A and 6 in C; TST-2 20 in B; TST-3 4 in BULK; TST-1 50 on the dock (staging).
    """
    wh = await warehouse(client)
    z = await zone(client, wh, "PICK", "PICKING")
    bins = {
        "A": (await bin_(client, wh, z, "A", pick_sequence=100))["bin_id"],
        "B": (await bin_(client, wh, z, "B", pick_sequence=200))["bin_id"],
        "C": (await bin_(client, wh, z, "C", pick_sequence=300))["bin_id"],
        "BULK": (await bin_(client, wh, z, "BULK", pick_sequence=0))["bin_id"],
        "DOCK": (await bin_(client, wh, z, "DOCK", bin_type="Staging"))["bin_id"],
    }
    items = {
        sku: (await item(client, sku, upc=f"UPC-{sku}", weight_lbs=weight))["item_id"]
        for sku, weight in (("TST-1", 0.5), ("TST-2", 1.25), ("TST-3", None))
    }
    for bin_code, sku, quantity in (("A", "TST-1", 8), ("C", "TST-1", 6), ("B", "TST-2", 20), ("BULK", "TST-3", 4)):
        await add_stock(client, wh, bins[bin_code], items[sku], quantity)
    await add_stock(client, wh, bins["DOCK"], items["TST-1"], 50)
    return Floor(wh, bins, items)


async def sales_order(client: httpx.AsyncClient, floor: Floor, number: str, *lines: tuple[str, int]) -> dict[str, Any]:
    body = {
        "so_number": number,
        "warehouse_id": floor.wh,
        "customer_name": "Trout & Co",
        "ship_method": "GROUND",
        "lines": [{"item_id": floor.items[sku], "quantity_ordered": quantity} for sku, quantity in lines],
    }
    response = await client.post("/api/admin/sales-orders", json=body)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


async def position(client: httpx.AsyncClient, floor: Floor, bin_code: str, sku: str) -> tuple[int, int]:
    """(on hand, allocated) of one item in one bin; (0, 0) when the position is gone."""
    inventory = (await client.get(f"/api/admin/bins/{floor.bins[bin_code]}")).json()["inventory"]
    found = [p for p in inventory if p["item_id"] == floor.items[sku]]
    return (found[0]["quantity_on_hand"], found[0]["quantity_allocated"]) if found else (0, 0)


async def order_lines(client: httpx.AsyncClient, so_id: int) -> dict[str, dict[str, Any]]:
    detail = (await client.get(f"/api/admin/sales-orders/{so_id}")).json()
    return {line["sku"]: line for line in detail["lines"]}


async def order_status(client: httpx.AsyncClient, so_id: int) -> str:
    status: str = (await client.get(f"/api/admin/sales-orders/{so_id}")).json()["sales_order"]["status"]
    return status
