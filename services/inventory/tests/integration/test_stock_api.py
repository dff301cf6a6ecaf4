"""The stock ledger over HTTP: direct adjustments, moves, the rules that never bend, and concurrency."""

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest
from httpx import Response

from canonical.events.factory import CommandContext
from canonical.events.registry import default_registry
from canonical.eventstore.store import EventWriter
from canonical.identity import Identity
from canonical.testing import IdentityKeys
from inventory.adapters.unit_of_work import PostgresUnitOfWork
from inventory.domain.stock.ledger import Movement
from inventory.entrypoints.dependencies import PROJECTORS
from inventory.service_layer.stock.allocation import allocate_units
from inventory.settings import Settings

from .support import bin_, item, warehouse, zone

pytestmark = pytest.mark.integration


@pytest.fixture
async def floor(inventory: httpx.AsyncClient) -> dict[str, Any]:
    """A warehouse with a dock, two shelves and an item, plus a second warehouse with one bin."""
    wh = await warehouse(inventory)
    z = await zone(inventory, wh)
    other = await warehouse(inventory, "WH2")
    return {
        "wh": wh,
        "dock": (await bin_(inventory, wh, z, "DOCK", bin_type="Staging"))["bin_id"],
        "a1": (await bin_(inventory, wh, z, "A-01", pick_sequence=10))["bin_id"],
        "a2": (await bin_(inventory, wh, z, "A-02", pick_sequence=20))["bin_id"],
        "foreign": (await bin_(inventory, other, await zone(inventory, other), "F-01"))["bin_id"],
        "other": other,
        "item": (await item(inventory, "SKU-1", upc="0001"))["item_id"],
    }


async def adjust(client: httpx.AsyncClient, f: dict[str, Any], kind: str, quantity: int, **extra: Any) -> Response:
    body = {"warehouse_id": f["wh"], "bin_id": f["a1"], "item_id": f["item"], "adjustment_type": kind}
    return await client.post(
        "/api/admin/adjustments/direct", json={**body, "quantity": quantity, "reason": "count fix", **extra}
    )


async def move(client: httpx.AsyncClient, f: dict[str, Any], quantity: int, to: str = "a2", **kw: Any) -> Response:
    body = {"item_id": f["item"], "from_bin_id": f["a1"], "to_bin_id": f[to], "quantity": quantity}
    return await client.post("/api/transfers/move", json=body, **kw)


async def on_hand(client: httpx.AsyncClient, bin_id: int) -> dict[str | None, tuple[int, int]]:
    inventory = (await client.get(f"/api/admin/bins/{bin_id}")).json()["inventory"]
    return {p["lot_number"]: (p["quantity_on_hand"], p["quantity_allocated"]) for p in inventory}


async def test_direct_adjustments_add_and_remove_with_a_floor_at_zero(
    inventory: httpx.AsyncClient, floor: dict[str, Any]
) -> None:
    added = await adjust(inventory, floor, "add", 10)
    assert added.status_code == 201, added.text
    body = added.json()
    assert (body["adjustment_type"], body["quantity_change"], body["status"]) == ("ADD", 10, "APPROVED")
    assert body["bin_code"] == "A-01"
    assert await on_hand(inventory, floor["a1"]) == {None: (10, 0)}

    too_many = await adjust(inventory, floor, "REMOVE", 11)
    assert too_many.status_code == 400
    assert too_many.json()["error"] == "Insufficient inventory. Available: 10"
    assert (await adjust(inventory, floor, "REMOVE", 10)).json()["quantity_change"] == -10
    assert await on_hand(inventory, floor["a1"]) == {}  # an empty position disappears

    foreign = await adjust(inventory, floor, "ADD", 1, warehouse_id=floor["other"])
    assert foreign.status_code == 404
    assert foreign.json()["error"] == "Bin not found in the specified warehouse"
    assert (await adjust(inventory, floor, "ADD", 1, item_id=999)).status_code == 404
    assert (await adjust(inventory, floor, "ADD", 0)).status_code == 400
    assert (await adjust(inventory, floor, "ADD", 1, reason="")).status_code == 400


async def test_lots_are_separate_positions(inventory: httpx.AsyncClient, floor: dict[str, Any]) -> None:
    await adjust(inventory, floor, "ADD", 4, lot_number="L1")
    await adjust(inventory, floor, "ADD", 6, lot_number="L2")
    assert await on_hand(inventory, floor["a1"]) == {"L1": (4, 0), "L2": (6, 0)}
    assert (await adjust(inventory, floor, "REMOVE", 5, lot_number="L1")).status_code == 400
    detail = (await inventory.get(f"/api/admin/items/{floor['item']}")).json()
    assert sorted((p["bin_code"], p["lot_number"], p["quantity_available"]) for p in detail["inventory"]) == [
        ("A-01", "L1", 4),
        ("A-01", "L2", 6),
    ]


async def test_moves_keep_totals_and_stay_inside_one_warehouse(
    inventory: httpx.AsyncClient, floor: dict[str, Any]
) -> None:
    await adjust(inventory, floor, "ADD", 10)
    moved = await move(inventory, floor, 4)
    assert moved.status_code == 200, moved.text
    assert moved.json()["message"] == "Transfer completed"
    assert moved.json()["from_bin"] == {"bin_code": "A-01", "remaining_quantity": 6}
    assert moved.json()["to_bin"] == {"bin_code": "A-02", "new_quantity": 4}
    assert await on_hand(inventory, floor["a1"]) == {None: (6, 0)}
    assert await on_hand(inventory, floor["a2"]) == {None: (4, 0)}

    insufficient = await move(inventory, floor, 7)
    assert insufficient.status_code == 400
    assert insufficient.json()["error"] == "Insufficient inventory in source bin. Available: 6"
    other_warehouse = await move(inventory, floor, 1, to="foreign")
    assert other_warehouse.status_code == 400
    assert other_warehouse.json()["code"] == "different_warehouse"
    same = await inventory.post(
        "/api/transfers/move",
        json={"item_id": floor["item"], "from_bin_id": floor["a1"], "to_bin_id": floor["a1"], "quantity": 1},
    )
    assert same.status_code == 400
    missing = await inventory.post(
        "/api/transfers/move",
        json={"item_id": floor["item"], "from_bin_id": floor["a1"], "to_bin_id": 999, "quantity": 1},
    )
    assert missing.status_code == 404
    assert await on_hand(inventory, floor["a1"]) == {None: (6, 0)}  # nothing half-applied


async def test_allocated_units_cannot_be_moved_or_removed(
    inventory: httpx.AsyncClient, floor: dict[str, Any], pool: asyncpg.Pool, inventory_settings: Settings
) -> None:
    await adjust(inventory, floor, "ADD", 10)
    registry = default_registry()
    writer = EventWriter(registry, inventory_settings.kafka_topic_prefix)
    uow = PostgresUnitOfWork(pool, writer, registry, PROJECTORS)
    async with uow:
        promise = Movement("allocation", "sales_order", "SO-1")
        await allocate_units(uow, floor["item"], floor["a1"], None, 7, promise, CommandContext("r", "t"))
    assert await on_hand(inventory, floor["a1"]) == {None: (10, 7)}

    blocked = await move(inventory, floor, 4)
    assert blocked.status_code == 409
    assert blocked.json()["code"] == "stock_allocated"
    assert (await adjust(inventory, floor, "REMOVE", 4)).status_code == 409
    assert (await move(inventory, floor, 3)).status_code == 200
    assert await on_hand(inventory, floor["a1"]) == {None: (7, 7)}
    # Deleting the bin or the item while stock is in it is refused too.
    assert (await inventory.delete(f"/api/admin/bins/{floor['a1']}")).status_code == 409
    assert (await inventory.delete(f"/api/admin/items/{floor['item']}")).status_code == 400
    assert (await inventory.delete(f"/api/admin/warehouses/{floor['wh']}")).json()["code"] == "warehouse_not_empty"


async def test_users_move_only_inside_their_warehouses(
    inventory: httpx.AsyncClient, floor: dict[str, Any], identity_keys: IdentityKeys
) -> None:
    await adjust(inventory, floor, "ADD", 5)
    outsider = Identity(subject="u-9", username="other", role="USER", warehouse_ids=(floor["other"],))
    refused = await move(inventory, floor, 1, headers=identity_keys.headers(outsider))
    assert refused.status_code == 403
    insider = Identity(subject="u-8", username="mover", role="USER", warehouse_ids=(floor["wh"],))
    assert (await move(inventory, floor, 1, headers=identity_keys.headers(insider))).status_code == 200


async def test_two_scanners_at_once_end_with_correct_totals(
    inventory: httpx.AsyncClient, floor: dict[str, Any]
) -> None:
    adds = await asyncio.gather(*(adjust(inventory, floor, "ADD", 1) for _ in range(12)))
    assert {r.status_code for r in adds} == {201}
    assert await on_hand(inventory, floor["a1"]) == {None: (12, 0)}

    # 12 units, 10 scanners each moving 2 at the same moment: exactly 6 moves can succeed.
    moves = await asyncio.gather(*(move(inventory, floor, 2) for _ in range(10)))
    assert sorted(r.status_code for r in moves) == [200] * 6 + [400] * 4
    assert await on_hand(inventory, floor["a1"]) == {}
    assert await on_hand(inventory, floor["a2"]) == {None: (12, 0)}


async def test_inter_warehouse_transfers_move_both_sides_at_once(
    inventory: httpx.AsyncClient, floor: dict[str, Any]
) -> None:
    await adjust(inventory, floor, "ADD", 10)
    body = {
        "item_id": floor["item"],
        "from_bin_id": floor["a1"],
        "from_warehouse_id": floor["wh"],
        "to_bin_id": floor["foreign"],
        "to_warehouse_id": floor["other"],
        "quantity": 4,
        "reason": "rebalance",
    }
    done = await inventory.post("/api/admin/inter-warehouse-transfer", json=body)
    assert done.status_code == 201, done.text
    assert (done.json()["from_bin_code"], done.json()["to_bin_code"], done.json()["quantity"]) == ("A-01", "F-01", 4)
    assert await on_hand(inventory, floor["a1"]) == {None: (6, 0)}
    assert await on_hand(inventory, floor["foreign"]) == {None: (4, 0)}
    listed = (await inventory.get("/api/admin/inter-warehouse-transfers")).json()["transfers"]
    assert [(t["from_warehouse_code"], t["to_warehouse_code"], t["status"]) for t in listed] == [
        ("WH1", "WH2", "completed")
    ]

    wrong_side = await inventory.post(
        "/api/admin/inter-warehouse-transfer", json={**body, "from_warehouse_id": floor["other"]}
    )
    assert wrong_side.status_code == 404
    too_many = await inventory.post("/api/admin/inter-warehouse-transfer", json={**body, "quantity": 7})
    assert too_many.json()["error"] == "Insufficient inventory in source bin. Available: 6"
