"""The inventory snapshot for API tokens: one consistent moment, keyset pages, the scan rules of 4.6."""

from typing import Any

import asyncpg
import httpx
import pytest

from canonical.identity import Identity
from canonical.testing import IdentityKeys

from .support import bin_, item, warehouse, zone

pytestmark = pytest.mark.integration

PATH = "/api/v1/snapshot/inventory"


def token(
    keys: IdentityKeys, token_id: int, *warehouses: int, scopes: tuple[str, ...] = ("endpoint:snapshot.inventory",)
) -> dict[str, str]:
    return keys.headers(
        Identity(
            subject=f"system:wms_token:{token_id}",
            username=f"t{token_id}",
            role="TOKEN",
            warehouse_ids=warehouses,
            scopes=scopes,
        )
    )


@pytest.fixture
async def stocked(inventory: httpx.AsyncClient) -> dict[str, Any]:
    """Five positions in warehouse 1 (two lots of one item in one bin), one in warehouse 2."""
    wh, other = await warehouse(inventory), await warehouse(inventory, "WH2")
    z = await zone(inventory, wh)
    bins = [(await bin_(inventory, wh, z, code))["bin_id"] for code in ("A-01", "A-02")]
    foreign = (await bin_(inventory, other, await zone(inventory, other), "F-01"))["bin_id"]
    items = [(await item(inventory, f"SKU-{n}"))["item_id"] for n in range(3)]

    async def add(warehouse_id: int, bin_id: int, item_id: int, quantity: int, lot: str | None = None) -> None:
        body = {"warehouse_id": warehouse_id, "bin_id": bin_id, "item_id": item_id, "adjustment_type": "ADD"}
        added = await inventory.post(
            "/api/admin/adjustments/direct", json={**body, "quantity": quantity, "reason": "x", "lot_number": lot}
        )
        assert added.status_code == 201, added.text

    await add(wh, bins[0], items[0], 5)
    await add(wh, bins[1], items[0], 6)
    await add(wh, bins[0], items[1], 7, "L1")
    await add(wh, bins[0], items[1], 8, "L2")
    await add(wh, bins[1], items[2], 9)
    await add(other, foreign, items[2], 99)
    return {"wh": wh, "other": other, "bins": bins, "items": items}


async def page_through(client: httpx.AsyncClient, headers: dict[str, str], wh: int, limit: int) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    params: dict[str, Any] = {"warehouse_id": wh, "limit": limit}
    while True:
        response = await client.get(PATH, params=params, headers=headers)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        if response.json()["next_cursor"] is None:
            return pages
        params["cursor"] = response.json()["next_cursor"]


async def test_pages_come_from_one_moment_however_stock_moves_meanwhile(
    inventory: httpx.AsyncClient, stocked: dict[str, Any], identity_keys: IdentityKeys, pool: asyncpg.Pool
) -> None:
    headers = token(identity_keys, 1, stocked["wh"], stocked["other"])
    first = await inventory.get(PATH, params={"warehouse_id": stocked["wh"], "limit": 2}, headers=headers)
    assert first.status_code == 200, first.text
    started_at = await pool.fetchval("SELECT max(global_position) FROM event_store")
    assert first.json()["snapshot_event_id"] == started_at
    # Stock moves after the scan started: the remaining pages must not see it.
    body = {
        "warehouse_id": stocked["wh"],
        "bin_id": stocked["bins"][1],
        "item_id": stocked["items"][2],
        "adjustment_type": "ADD",
    }
    assert (
        await inventory.post("/api/admin/adjustments/direct", json={**body, "quantity": 100, "reason": "x"})
    ).status_code == 201
    rows = list(first.json()["rows"])
    params = {"warehouse_id": stocked["wh"], "limit": 2, "cursor": first.json()["next_cursor"]}
    while params["cursor"] is not None:
        page = (await inventory.get(PATH, params=params, headers=headers)).json()
        assert page["snapshot_event_id"] == started_at
        rows += page["rows"]
        params["cursor"] = page["next_cursor"]
    assert [(r["quantity_on_hand"], r["lot_number"]) for r in rows] == [
        (5, None),
        (6, None),
        (7, "L1"),
        (8, "L2"),
        (9, None),
    ]
    assert {r["warehouse_id"] for r in rows} == {stocked["wh"]}
    assert set(rows[0]) == {
        "item_external_id",
        "warehouse_id",
        "bin_external_id",
        "quantity_on_hand",
        "quantity_allocated",
        "quantity_available",
        "lot_number",
        "serial_number",
    }
    # The scan is over: a new one starts and sees the new stock.
    again = await page_through(inventory, headers, stocked["wh"], 500)
    assert [r["quantity_on_hand"] for r in again[0]["rows"]][-1] == 109
    assert again[0]["snapshot_event_id"] > started_at


async def test_one_scan_in_flight_per_token(
    inventory: httpx.AsyncClient, stocked: dict[str, Any], identity_keys: IdentityKeys
) -> None:
    mine, theirs = token(identity_keys, 1, stocked["wh"]), token(identity_keys, 2, stocked["wh"])
    first = await inventory.get(PATH, params={"warehouse_id": stocked["wh"], "limit": 1}, headers=mine)
    busy = await inventory.get(PATH, params={"warehouse_id": stocked["wh"], "limit": 1}, headers=mine)
    assert (busy.status_code, busy.json()["error"]) == (429, "snapshot_in_flight")
    assert (await inventory.get(PATH, params={"warehouse_id": stocked["wh"]}, headers=theirs)).status_code == 200
    cursor = first.json()["next_cursor"]
    # Another token cannot use my cursor; cursor pages are exempt from the one-scan rule.
    stolen = await inventory.get(PATH, params={"warehouse_id": stocked["wh"], "cursor": cursor}, headers=theirs)
    assert (stolen.status_code, stolen.json()["error"]) == (403, "cursor_scope_violation")
    mine_next = await inventory.get(PATH, params={"warehouse_id": stocked["wh"], "cursor": cursor}, headers=mine)
    assert mine_next.status_code == 200


async def test_cursor_and_scope_errors(
    inventory: httpx.AsyncClient, stocked: dict[str, Any], identity_keys: IdentityKeys, pool: asyncpg.Pool
) -> None:
    both = token(identity_keys, 3, stocked["wh"], stocked["other"])
    first = await inventory.get(PATH, params={"warehouse_id": stocked["wh"], "limit": 1}, headers=both)
    cursor = first.json()["next_cursor"]
    elsewhere = await inventory.get(PATH, params={"warehouse_id": stocked["other"], "cursor": cursor}, headers=both)
    assert (elsewhere.status_code, elsewhere.json()["error"]) == (403, "cursor_scope_violation")
    garbage = await inventory.get(PATH, params={"warehouse_id": stocked["wh"], "cursor": "not-a-cursor"}, headers=both)
    assert (garbage.status_code, garbage.json()["error"]) == (400, "invalid_cursor")
    await pool.execute("UPDATE snapshot_scans SET last_accessed_at = now() - interval '6 minutes'")
    expired = await inventory.get(PATH, params={"warehouse_id": stocked["wh"], "cursor": cursor}, headers=both)
    assert (expired.status_code, expired.json()["error"]) == (410, "snapshot_expired")
    # An expired scan no longer blocks a new one.
    assert (await inventory.get(PATH, params={"warehouse_id": stocked["wh"]}, headers=both)).status_code == 200

    narrow = token(identity_keys, 4, stocked["other"])
    refused = await inventory.get(PATH, params={"warehouse_id": stocked["wh"]}, headers=narrow)
    assert (refused.status_code, refused.json()["error"], refused.json()["field"]) == (
        403,
        "scope_violation",
        "warehouse_id",
    )
    unscoped = token(identity_keys, 5, stocked["wh"], scopes=("endpoint:events.poll",))
    assert (await inventory.get(PATH, params={"warehouse_id": stocked["wh"]}, headers=unscoped)).status_code == 403
    # People (even admins) use the admin inventory views, not the machine snapshot.
    assert (await inventory.get(PATH, params={"warehouse_id": stocked["wh"]})).status_code == 403
    assert (
        await inventory.get(PATH, params={"warehouse_id": stocked["wh"], "limit": 2001}, headers=both)
    ).status_code == 400
    assert (await inventory.get(PATH, headers=both)).status_code == 400
