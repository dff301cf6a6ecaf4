"""Reviewing pending adjustments: approve/reject, separation of duties, Sentry v1 events, floors, concurrency."""

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest

from canonical.events.factory import CommandContext
from canonical.events.registry import default_registry
from canonical.eventstore.store import EventWriter
from canonical.identity import Identity
from canonical.testing import ADMIN, IdentityKeys
from inventory.adapters.unit_of_work import PostgresUnitOfWork
from inventory.domain.stock.ledger import Movement
from inventory.entrypoints.dependencies import PROJECTORS
from inventory.service_layer.stock.allocation import allocate_units
from inventory.settings import Settings

from .support import bin_, item, warehouse, zone

pytestmark = pytest.mark.integration

REVIEWER = Identity(subject="00000000-0000-4000-8000-0000000000b0", username="boss", role="ADMIN")


@pytest.fixture
async def shelf(inventory: httpx.AsyncClient) -> dict[str, Any]:
    wh = await warehouse(inventory)
    shelf = await bin_(inventory, wh, await zone(inventory, wh), "A-01-01")
    one = await item(inventory, "SKU-1", upc="0001")
    body = {"warehouse_id": wh, "bin_id": shelf["bin_id"], "item_id": one["item_id"], "adjustment_type": "ADD"}
    assert (
        await inventory.post("/api/admin/adjustments/direct", json={**body, "quantity": 50, "reason": "x"})
    ).status_code == 201
    return {"wh": wh, "bin": shelf, "item": one}


async def variance(client: httpx.AsyncClient, f: dict[str, Any], counted: int) -> dict[str, Any]:
    """Count the shelf as `counted` units of SKU-1: returns the count and its pending adjustment."""
    created = await client.post(
        "/api/inventory/cycle-count/create", json={"warehouse_id": f["wh"], "bin_ids": [f["bin"]["bin_id"]]}
    )
    count_id = created.json()["counts"][0]["count_id"]
    line = (await client.get(f"/api/inventory/cycle-count/{count_id}")).json()["lines"][0]
    submitted = await client.post(
        "/api/inventory/cycle-count/submit",
        json={"count_id": count_id, "lines": [{"count_line_id": line["count_line_id"], "counted_quantity": counted}]},
    )
    assert submitted.status_code == 200, submitted.text
    return {"count_id": count_id, "adjustment_id": submitted.json()["summary"]["adjustments"][0]["adjustment_id"]}


async def review(client: httpx.AsyncClient, *decisions: tuple[int, str], **kw: Any) -> httpx.Response:
    body = {"decisions": [{"adjustment_id": a, "action": action} for a, action in decisions]}
    return await client.post("/api/admin/adjustments/review", json=body, **kw)


async def on_hand(pool: asyncpg.Pool, f: dict[str, Any]) -> tuple[int, int] | None:
    row = await pool.fetchrow(
        "SELECT quantity_on_hand, quantity_allocated FROM stock WHERE bin_id = $1 AND item_id = $2",
        f["bin"]["bin_id"],
        f["item"]["item_id"],
    )
    return None if row is None else (row[0], row[1])


async def events(pool: asyncpg.Pool, event_type: str) -> list[dict[str, Any]]:
    rows = await pool.fetch("SELECT data FROM event_store WHERE event_type = $1 ORDER BY global_position", event_type)
    return [dict(r["data"]) for r in rows]


async def test_approving_a_count_variance_applies_it_and_emits_cycle_count_adjusted(
    inventory: httpx.AsyncClient, shelf: dict[str, Any], pool: asyncpg.Pool
) -> None:
    counted = await variance(inventory, shelf, 55)
    approved = await review(inventory, (counted["adjustment_id"], "approve"))
    assert approved.status_code == 200, approved.text
    assert (approved.json()["approved"], approved.json()["rejected"]) == (1, 0)
    assert await on_hand(pool, shelf) == (55, 0)
    [event] = await events(pool, "cycle_count.adjusted")
    count_external = await pool.fetchval(
        "SELECT external_id::text FROM cycle_counts WHERE count_id = $1", counted["count_id"]
    )
    assert set(event) == {
        "cycle_count_external_id",
        "item_external_id",
        "bin_external_id",
        "counted_quantity",
        "system_quantity",
        "quantity_delta",
        "counted_by_user_external_id",
        "counted_at",
    }
    assert event["cycle_count_external_id"] == count_external
    assert (event["item_external_id"], event["bin_external_id"]) == (
        shelf["item"]["external_id"],
        shelf["bin"]["external_id"],
    )
    assert (event["counted_quantity"], event["system_quantity"], event["quantity_delta"]) == (55, 50, 5)
    assert event["counted_by_user_external_id"] == ADMIN.subject
    assert event["counted_at"].endswith("Z")
    # The counter approved their own count: allowed with the setting off, and noted on the review.
    [reviewed] = await events(pool, "adjustment.reviewed")
    assert (reviewed["status"], reviewed["self_approved"], reviewed["quantity_applied"]) == ("APPROVED", True, 5)
    # A replay approves nothing and emits nothing.
    assert (await review(inventory, (counted["adjustment_id"], "approve"))).json()["approved"] == 0
    assert len(await events(pool, "cycle_count.adjusted")) == 1
    listed = (await inventory.get("/api/admin/adjustments/list")).json()
    assert listed["adjustments"][0]["status"] == "APPROVED"
    assert listed["adjustments"][0]["reviewed_by"] == ADMIN.subject


async def test_separation_of_duties_refuses_the_whole_request_for_a_self_approval(
    inventory: httpx.AsyncClient, shelf: dict[str, Any], pool: asyncpg.Pool, identity_keys: IdentityKeys
) -> None:
    await inventory.put("/api/admin/settings", json={"settings": {"require_count_approval_separation": "true"}})
    first = await variance(inventory, shelf, 49)
    second = await variance(inventory, shelf, 52)
    refused = await review(inventory, (second["adjustment_id"], "reject"), (first["adjustment_id"], "approve"))
    assert refused.status_code == 403
    assert refused.json()["error"] == "Cannot approve your own cycle count"
    pending = (await inventory.get("/api/admin/adjustments/pending")).json()["adjustments"]
    assert [p["status"] for p in pending] == ["PENDING", "PENDING"]  # nothing in it committed
    # Rejecting one's own count is fine; another admin may approve.
    assert (await review(inventory, (second["adjustment_id"], "reject"))).json()["rejected"] == 1
    other = await review(inventory, (first["adjustment_id"], "approve"), headers=identity_keys.headers(REVIEWER))
    assert other.json()["approved"] == 1
    assert await on_hand(pool, shelf) == (49, 0)
    assert [e["quantity_delta"] for e in await events(pool, "cycle_count.adjusted")] == [-1]


async def test_a_rejection_changes_no_stock_and_emits_nothing_outward(
    inventory: httpx.AsyncClient, shelf: dict[str, Any], pool: asyncpg.Pool
) -> None:
    counted = await variance(inventory, shelf, 40)
    rejected = await review(inventory, (counted["adjustment_id"], "reject"))
    assert rejected.json()["rejected"] == 1
    assert await on_hand(pool, shelf) == (50, 0)
    assert await events(pool, "cycle_count.adjusted") == []
    assert len(await events(pool, "adjustment.applied")) == 1  # only the opening direct ADD
    assert (await review(inventory, (counted["adjustment_id"], "approve"))).json()["approved"] == 0
    assert (await review(inventory, (999999, "approve"))).json() == {"approved": 0, "rejected": 0, "reviewed": []}
    bad = await review(inventory, (counted["adjustment_id"], "maybe"))
    assert (bad.status_code, bad.json()["error"]) == (400, "validation_error")


async def test_an_approval_never_takes_stock_below_zero_nor_allocated_units(
    inventory: httpx.AsyncClient, shelf: dict[str, Any], pool: asyncpg.Pool, inventory_settings: Settings
) -> None:
    counted = await variance(inventory, shelf, 10)  # -40 pending
    registry = default_registry()
    uow = PostgresUnitOfWork(pool, EventWriter(registry, inventory_settings.kafka_topic_prefix), registry, PROJECTORS)
    async with uow:
        promise = Movement("allocation", "sales_order", "SO-1")
        await allocate_units(
            uow, shelf["item"]["item_id"], shelf["bin"]["bin_id"], None, 15, promise, CommandContext("r", "t")
        )
    approved = (await review(inventory, (counted["adjustment_id"], "approve"))).json()
    assert approved["reviewed"][0]["quantity_applied"] == -35  # 50 on hand, 15 promised: 35 free
    assert await on_hand(pool, shelf) == (15, 15)
    assert [e["quantity_delta"] for e in await events(pool, "cycle_count.adjusted")] == [-35]


async def test_two_approvers_approving_the_same_adjustment_at_once_apply_it_once(
    inventory: httpx.AsyncClient, shelf: dict[str, Any], pool: asyncpg.Pool, identity_keys: IdentityKeys
) -> None:
    counted = await variance(inventory, shelf, 58)
    approvers = [ADMIN, REVIEWER] * 3
    responses = await asyncio.gather(
        *(review(inventory, (counted["adjustment_id"], "approve"), headers=identity_keys.headers(a)) for a in approvers)
    )
    assert sorted(r.json()["approved"] for r in responses) == [0, 0, 0, 0, 0, 1]
    assert await on_hand(pool, shelf) == (58, 0)
    assert len(await events(pool, "cycle_count.adjusted")) == 1
