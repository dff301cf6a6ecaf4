"""Master data set up over HTTP for the integration tests."""

from typing import Any

import httpx


async def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def warehouse(client: httpx.AsyncClient, code: str = "WH1") -> int:
    body = await _created(
        await client.post("/api/admin/warehouses", json={"warehouse_code": code, "warehouse_name": code})
    )
    return int(body["warehouse_id"])


async def zone(client: httpx.AsyncClient, warehouse_id: int, code: str = "STO", zone_type: str = "STORAGE") -> int:
    body = await _created(
        await client.post(
            "/api/admin/zones",
            json={"warehouse_id": warehouse_id, "zone_code": code, "zone_name": code, "zone_type": zone_type},
        )
    )
    return int(body["zone_id"])


async def bin_(client: httpx.AsyncClient, warehouse_id: int, zone_id: int, code: str, **extra: Any) -> dict[str, Any]:
    fields = {"warehouse_id": warehouse_id, "zone_id": zone_id, "bin_code": code, "bin_barcode": f"BC-{code}"}
    return await _created(await client.post("/api/admin/bins", json={**fields, **extra}))


async def item(client: httpx.AsyncClient, sku: str, **extra: Any) -> dict[str, Any]:
    return await _created(await client.post("/api/admin/items", json={"sku": sku, "item_name": f"Item {sku}", **extra}))
