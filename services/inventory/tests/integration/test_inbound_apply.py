"""Inventory applies the inbound service's canonical records from Kafka, once each, and answers with outcomes."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import ConsumerRecord, TopicPartition

from canonical.events.envelope import CloudEvent
from canonical.events.registry import topic_name
from canonical.testing import eventually, publish
from canonical.web.runtime import ServiceRuntime
from inventory.entrypoints.inbound.consumer import inbound_apply_consumer
from inventory.entrypoints.rebuild import rebuild
from inventory.service_layer.inbound import apply
from inventory.settings import Settings

from .support import item, warehouse

pytestmark = pytest.mark.integration

_RESOURCES = {t: f"{t}s" for t in ("item", "purchase_order", "sales_order", "customer", "vendor")}
_inbound_ids = iter(range(1, 1_000_000))


def accepted(canonical_type: str, canonical_id: uuid.UUID, record: dict[str, Any], version: str = "1") -> CloudEvent:
    """An `inbound.record_accepted` as the inbound service's relay publishes it."""
    return CloudEvent(
        source="/sentry-wms/inbound",
        type="inbound.record_accepted",
        subject=f"canonical-{canonical_type}-{canonical_id}",
        correlationid=str(uuid.uuid4()),
        actor="system:wms_token:7",
        data={
            "inbound_id": next(_inbound_ids),
            "resource": _RESOURCES[canonical_type],
            "canonical_type": canonical_type,
            "canonical_id": str(canonical_id),
            "source_system": "erp",
            "external_id": f"X-{canonical_id}",
            "external_version": version,
            "first_receipt": version == "1",
            "field_set": sorted(record),
            "record": record,
        },
    )


class Feed:
    def __init__(self, settings: Settings, pool: asyncpg.Pool) -> None:
        self.topic = topic_name(settings.kafka_topic_prefix, "inbound")
        self.settings = settings
        self.pool = pool

    async def send(self, *events: CloudEvent) -> list[asyncpg.Record]:
        """Publish, then wait until each event has its outcome; returns the outcome rows in order."""
        await publish(self.topic, *(e.to_json() for e in events))
        ids = [e.id for e in events]

        async def outcomes() -> list[asyncpg.Record] | None:
            rows = await self.pool.fetch("SELECT * FROM inbound_applications WHERE event_id = ANY($1::uuid[])", ids)
            by_id = {str(r["event_id"]): r for r in rows}
            return [by_id[i] for i in dict.fromkeys(ids)] if len(by_id) == len(set(ids)) else None

        return await eventually(outcomes, timeout_s=30)

    async def announced(self, event: CloudEvent) -> CloudEvent:
        """The outcome event inventory appended (and relays) for an accepted record."""
        row = await self.pool.fetchrow(
            "SELECT data, metadata FROM event_store"
            " WHERE metadata->>'causationid' = $1 AND event_type LIKE 'inbound.%'",
            event.id,
        )
        assert row is not None
        return CloudEvent.model_validate({**row["metadata"], "data": row["data"]})


@pytest.fixture
async def feed(inventory: httpx.AsyncClient, inventory_settings: Settings, pool: asyncpg.Pool) -> Feed:
    async def ready() -> bool:
        return (await inventory.get("/readyz")).status_code == 200  # its topics exist from then on

    await eventually(ready, timeout_s=30)
    return Feed(inventory_settings, pool)


async def test_an_item_is_created_then_updated_through_the_catalog(inventory: httpx.AsyncClient, feed: Feed) -> None:
    canonical_id = uuid.uuid4()
    first = accepted("item", canonical_id, {"sku": "ERP-1", "item_name": "Widget", "weight_lbs": "1.50"})
    [created] = await feed.send(first, first)  # redelivered: applied once
    assert (created["outcome"], created["action"]) == ("applied", "created")
    item_id = created["local_id"]
    shown = (await inventory.get(f"/api/admin/items/{item_id}")).json()["item"]
    assert (shown["sku"], shown["item_name"], shown["weight_lbs"]) == ("ERP-1", "Widget", 1.5)

    renamed = accepted("item", canonical_id, {"sku": "ERP-1", "item_name": "Widget II"}, version="2")
    same = accepted("item", canonical_id, {"sku": "ERP-1", "item_name": "Widget II"}, version="3")
    updated, unchanged = await feed.send(renamed, same)
    assert (updated["action"], updated["local_id"]) == ("updated", item_id)
    assert (unchanged["action"], unchanged["local_id"]) == ("unchanged", item_id)
    shown = (await inventory.get(f"/api/admin/items/{item_id}")).json()["item"]
    assert (shown["item_name"], shown["weight_lbs"]) == ("Widget II", 1.5)  # undeclared fields are kept
    assert await feed.pool.fetchval("SELECT count(*) FROM event_store WHERE stream_id = $1", f"item-{item_id}") == 2

    outcome = await feed.announced(first)
    assert outcome.type == "inbound.record_applied"
    assert outcome.data == {
        "inbound_id": first.data["inbound_id"],
        "resource": "items",
        "canonical_type": "item",
        "canonical_id": str(canonical_id),
        "local_id": item_id,
        "action": "created",
    }
    assert (outcome.causationid, outcome.correlationid) == (first.id, first.correlationid)


async def test_an_item_the_wms_already_has_is_adopted_by_sku(inventory: httpx.AsyncClient, feed: Feed) -> None:
    existing = await item(inventory, "SEEDED-1")
    [adopted] = await feed.send(accepted("item", uuid.uuid4(), {"sku": "SEEDED-1", "category": "Bolts"}))
    assert (adopted["action"], adopted["local_id"]) == ("updated", existing["item_id"])
    shown = (await inventory.get(f"/api/admin/items/{existing['item_id']}")).json()["item"]
    assert (shown["item_name"], shown["category"]) == ("Item SEEDED-1", "Bolts")


async def test_purchase_orders_are_created_and_edited_while_open(inventory: httpx.AsyncClient, feed: Feed) -> None:
    warehouse_id = await warehouse(inventory)
    by_sku = await item(inventory, "BY-SKU")
    item_canonical = uuid.uuid4()
    [linked] = await feed.send(accepted("item", item_canonical, {"sku": "BY-ID", "item_name": "By id"}))
    po_canonical = uuid.uuid4()
    order = {
        "po_number": "ERP-PO-1",
        "warehouse_id": warehouse_id,
        "vendor_name": "Acme",
        "expected_date": "2026-12-24T09:00:00Z",
        "lines": [
            {"item_id": str(item_canonical), "quantity_ordered": 5},
            {"sku": "BY-SKU", "quantity_ordered": 7, "unit_cost": "2.5"},
        ],
    }
    [created] = await feed.send(accepted("purchase_order", po_canonical, order))
    assert (created["outcome"], created["action"]) == ("applied", "created"), created["error_message"]
    po_id = created["local_id"]
    detail = (await inventory.get(f"/api/admin/purchase-orders/{po_id}")).json()
    header = detail["purchase_order"]
    assert (header["po_number"], header["po_barcode"], header["expected_date"]) == (
        "ERP-PO-1",
        "ERP-PO-1",
        "2026-12-24",
    )
    assert [(line["item_id"], line["quantity_ordered"]) for line in detail["lines"]] == [
        (linked["local_id"], 5),
        (by_sku["item_id"], 7),
    ]

    [edited] = await feed.send(accepted("purchase_order", po_canonical, {**order, "notes": "dock 3"}, version="2"))
    assert (edited["action"], edited["local_id"]) == ("updated", po_id)
    assert (await inventory.get(f"/api/admin/purchase-orders/{po_id}")).json()["purchase_order"]["notes"] == "dock 3"

    assert (await inventory.post(f"/api/admin/purchase-orders/{po_id}/close")).status_code == 200
    late = accepted("purchase_order", po_canonical, {**order, "notes": "too late"}, version="3")
    [refused] = await feed.send(late)
    assert (refused["outcome"], refused["error_code"]) == ("rejected", "invalid_purchase_order")
    assert (await inventory.get(f"/api/admin/purchase-orders/{po_id}")).json()["purchase_order"]["notes"] == "dock 3"
    failed = await feed.announced(late)
    assert (failed.type, failed.data["code"]) == ("inbound.record_apply_failed", "invalid_purchase_order")


async def test_a_record_that_cannot_apply_is_refused_alone(inventory: httpx.AsyncClient, feed: Feed) -> None:
    warehouse_id = await warehouse(inventory)
    unknown_line = accepted(
        "purchase_order",
        uuid.uuid4(),
        {"po_number": "ERP-PO-9", "warehouse_id": warehouse_id, "lines": [{"sku": "NOPE", "quantity_ordered": 1}]},
    )
    nameless = accepted("item", uuid.uuid4(), {"sku": "NEW-1"})
    fine = accepted("customer", uuid.uuid4(), {"name": "Globex", "email": "ops@globex.example"})
    refused_po, refused_item, applied = await feed.send(unknown_line, nameless, fine)
    assert (refused_po["outcome"], refused_po["error_code"]) == ("rejected", "unknown_item")
    assert (refused_item["outcome"], refused_item["error_code"]) == ("rejected", "item_name_required")
    assert applied["outcome"] == "applied"
    assert await feed.pool.fetchval("SELECT count(*) FROM purchase_orders WHERE po_number = 'ERP-PO-9'") == 0
    assert await feed.pool.fetchval("SELECT count(*) FROM items WHERE sku = 'NEW-1'") == 0
    assert await feed.pool.fetchval("SELECT count(*) FROM consumer_dead_letters") == 0


async def apply_as_one_batch(settings: Settings, events: list[CloudEvent]) -> None:
    """The events reach inventory's consumer as one poll of one partition."""
    runtime = ServiceRuntime(settings)
    await runtime.start()
    try:
        consumer = inbound_apply_consumer(runtime)
        partition = TopicPartition("inbound", 0)
        records = [
            ConsumerRecord("inbound", 0, n, 0, 0, None, e.to_json(), None, 0, 0, ()) for n, e in enumerate(events)
        ]
        assert await consumer.apply_records(asyncio.Event(), partition, records)
    finally:
        await runtime.stop()


async def test_a_batch_answers_each_record_in_its_own_request_chain(feed: Feed) -> None:
    """A batch's outcomes are written together, each still caused by its record and in its caller's chain."""
    events = [
        accepted("vendor", uuid.uuid4(), {"name": "Initech"}),
        accepted("customer", uuid.uuid4(), {"name": "Hooli"}),
        accepted("item", uuid.uuid4(), {"sku": "BATCHED-1", "item_name": "Batched"}),
    ]
    await apply_as_one_batch(feed.settings, events)
    for event in events:
        outcome = await feed.announced(event)
        assert (outcome.type, outcome.correlationid) == ("inbound.record_applied", event.correlationid)
        assert outcome.data["inbound_id"] == event.data["inbound_id"]


async def test_a_record_that_keeps_failing_is_set_aside_and_answered(
    feed: Feed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a refusal but a failure (a bug): after its attempts the record is a dead letter, and the inbound
    service is told it will not be applied (`apply_failed`, without the internal error), not left waiting."""

    async def broken(*_: object) -> None:
        raise RuntimeError("internal detail that must not reach the sender")

    monkeypatch.setitem(apply.APPLIERS, "vendor", broken)
    record, fine = (
        accepted("vendor", uuid.uuid4(), {"name": "Initech"}),
        accepted("customer", uuid.uuid4(), {"name": "Hooli"}),
    )
    await apply_as_one_batch(feed.settings, [record, fine])

    outcomes = await feed.pool.fetch(
        "SELECT event_id::text, outcome, error_code, error_message FROM inbound_applications"
        " WHERE event_id = ANY($1::uuid[])",
        [record.id, fine.id],
    )
    by_event = {r["event_id"]: r for r in outcomes}
    assert (by_event[record.id]["outcome"], by_event[record.id]["error_code"]) == ("rejected", "apply_failed")
    assert "internal detail" not in by_event[record.id]["error_message"]
    assert by_event[fine.id]["outcome"] == "applied"
    answer = await feed.announced(record)
    assert (answer.type, answer.data["code"]) == ("inbound.record_apply_failed", "apply_failed")
    assert await feed.pool.fetchval("SELECT count(*) FROM consumer_dead_letters WHERE event_id = $1", record.id) == 1


async def test_a_record_refused_after_it_wrote_leaves_nothing_behind(
    inventory: httpx.AsyncClient, inventory_settings: Settings, pool: asyncpg.Pool
) -> None:
    """Adopting an item by SKU links it, then the update is refused (a negative weight): the link must go too.
    The three records reach the consumer as one batch, which applies without savepoints until the refusal,
    then again one record at a time, each with its savepoint."""
    existing = await item(inventory, "SEEDED-2")
    canonical_id = uuid.uuid4()
    events = [
        accepted("vendor", uuid.uuid4(), {"name": "Initech"}),
        accepted("item", canonical_id, {"sku": "SEEDED-2", "weight_lbs": "-5"}),
        accepted("customer", uuid.uuid4(), {"name": "Hooli", "email": "ops@hooli.example"}),
    ]
    await apply_as_one_batch(inventory_settings, events)
    rows = await pool.fetch(
        "SELECT event_id::text, outcome, error_code FROM inbound_applications WHERE event_id = ANY($1::uuid[])",
        [e.id for e in events],
    )
    outcomes = {r["event_id"]: (r["outcome"], r["error_code"]) for r in rows}
    assert [outcomes[e.id] for e in events] == [("applied", None), ("rejected", "invalid_item"), ("applied", None)]
    links = "SELECT count(*) FROM inbound_canonical_ids WHERE canonical_id = $1"
    assert await pool.fetchval(links, canonical_id) == 0
    shown = (await inventory.get(f"/api/admin/items/{existing['item_id']}")).json()["item"]
    assert shown["weight_lbs"] is None
    assert await pool.fetchval("SELECT count(*) FROM consumer_dead_letters") == 0


async def test_customers_and_vendors_keep_their_canonical_ids(inventory: httpx.AsyncClient, feed: Feed) -> None:
    customer, vendor = uuid.uuid4(), uuid.uuid4()
    await feed.send(
        accepted("customer", customer, {"name": "Globex", "phone": "555-0100"}),
        accepted("vendor", vendor, {"name": "Initech", "payment_terms": "NET30"}),
    )
    [renamed] = await feed.send(accepted("customer", customer, {"name": "Globex Corp", "phone": None}, version="2"))
    assert renamed["action"] == "updated"
    row = await feed.pool.fetchrow("SELECT name, phone, is_active FROM customers WHERE canonical_id = $1", customer)
    assert row is not None
    assert dict(row) == {"name": "Globex Corp", "phone": None, "is_active": True}
    assert await feed.pool.fetchval("SELECT payment_terms FROM vendors WHERE canonical_id = $1", vendor) == "NET30"

    live = [dict(r) for r in await feed.pool.fetch("SELECT * FROM customers UNION ALL SELECT * FROM vendors")]
    await rebuild(feed.settings)
    rebuilt = [dict(r) for r in await feed.pool.fetch("SELECT * FROM customers UNION ALL SELECT * FROM vendors")]
    assert sorted(rebuilt, key=repr) == sorted(live, key=repr)


async def test_sales_orders_go_through_the_fulfilment_import(inventory: httpx.AsyncClient, feed: Feed) -> None:
    warehouse_id = await warehouse(inventory)
    ordered = await item(inventory, "SO-ITEM")
    order_id = uuid.uuid4()
    order = {
        "so_number": "ERP-SO-1",
        "warehouse_id": warehouse_id,
        "customer_name": "Globex",
        "lines": [{"sku": "SO-ITEM", "quantity_ordered": 3}],
    }
    [created] = await feed.send(accepted("sales_order", order_id, order))
    assert (created["outcome"], created["action"]) == ("applied", "created"), created["error_message"]
    [updated] = await feed.send(accepted("sales_order", order_id, {**order, "customer_name": "Globex Corp"}, "2"))
    assert (updated["action"], updated["local_id"]) == ("updated", created["local_id"])
    detail = (await inventory.get(f"/api/admin/sales-orders/{created['local_id']}")).json()
    assert detail["sales_order"]["customer_name"] == "Globex Corp"
    assert [(line["item_id"], line["quantity_ordered"]) for line in detail["lines"]] == [(ordered["item_id"], 3)]
    unknown = accepted(
        "sales_order", uuid.uuid4(), {**order, "so_number": "ERP-SO-2", "lines": [{"sku": "NO", "quantity_ordered": 1}]}
    )
    [refused] = await feed.send(unknown)
    assert (refused["outcome"], refused["error_code"]) == ("rejected", "unknown_item")
