"""Racing scanners: one task confirmed twice at once, a retried confirm, batches competing for one SKU."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from canonical.identity import Identity
from canonical.testing import IdentityKeys

from .test_orders_support import Floor, order_lines, pick_floor, position, sales_order

pytestmark = pytest.mark.integration


@pytest.fixture
async def floor(inventory: httpx.AsyncClient) -> Floor:
    return await pick_floor(inventory)


async def first_task(client: httpx.AsyncClient, floor: Floor, number: str) -> dict[str, Any]:
    body = {"so_identifiers": [number], "warehouse_id": floor.wh}
    batch = (await client.post("/api/picking/create-batch", json=body)).json()
    task: dict[str, Any] = batch["tasks"][0]
    return task


async def test_two_pickers_confirming_one_task_at_once_pick_it_once(
    inventory: httpx.AsyncClient, floor: Floor, identity_keys: IdentityKeys
) -> None:
    so_id = (await sales_order(inventory, floor, "SO-1", ("TST-2", 3)))["sales_order"]["so_id"]
    task = await first_task(inventory, floor, "SO-1")
    body = {"pick_task_id": task["pick_task_id"], "scanned_barcode": "UPC-TST-2", "quantity_picked": 3}
    pickers = [
        Identity(subject=f"picker-{n}", username=f"p{n}", role="USER", warehouse_ids=(floor.wh,)) for n in (1, 2)
    ]
    responses = await asyncio.gather(
        *(inventory.post("/api/picking/confirm", json=body, headers=identity_keys.headers(p)) for p in pickers)
    )
    assert sorted(r.status_code for r in responses) == [200, 400]
    loser = next(r for r in responses if r.status_code == 400)
    assert loser.json()["code"] == "pick_task_not_pending"
    assert await position(inventory, floor, "B", "TST-2") == (17, 0)
    assert (await order_lines(inventory, so_id))["TST-2"]["quantity_picked"] == 3


async def test_a_retried_confirm_applies_once_and_answers_the_same(inventory: httpx.AsyncClient, floor: Floor) -> None:
    await sales_order(inventory, floor, "SO-1", ("TST-2", 3))
    task = await first_task(inventory, floor, "SO-1")
    body = {"pick_task_id": task["pick_task_id"], "scanned_barcode": "UPC-TST-2", "quantity_picked": 3}
    key = {"X-Request-ID": str(uuid.uuid4())}
    first = await inventory.post("/api/picking/confirm", json=body, headers=key)
    again = await inventory.post("/api/picking/confirm", json=body, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await position(inventory, floor, "B", "TST-2") == (17, 0)


async def test_batches_racing_for_one_sku_never_promise_more_than_is_there(
    inventory: httpx.AsyncClient, floor: Floor
) -> None:
    numbers = [f"SO-{n}" for n in range(6)]
    for number in numbers:
        await sales_order(inventory, floor, number, ("TST-1", 5))  # 6 x 5 wanted, 14 pickable
    responses = await asyncio.gather(
        *(
            inventory.post("/api/picking/create-batch", json={"so_identifiers": [n], "warehouse_id": floor.wh})
            for n in numbers
        )
    )
    assert {r.status_code for r in responses} == {200}
    promised = sum(t["quantity_to_pick"] for r in responses for t in r.json()["tasks"])
    assert promised == 14
    on_hand_a, allocated_a = await position(inventory, floor, "A", "TST-1")
    on_hand_c, allocated_c = await position(inventory, floor, "C", "TST-1")
    assert (allocated_a, allocated_c) == (on_hand_a, on_hand_c) == (8, 6)
