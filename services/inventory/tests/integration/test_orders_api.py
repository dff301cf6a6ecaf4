"""Admin sales orders, the scanner SO lookup, and the inbound import handler, on the real database."""

from __future__ import annotations

import httpx
import pytest

from canonical.db import create_pool
from canonical.events.factory import CommandContext
from canonical.events.registry import default_registry
from canonical.eventstore.store import EventWriter
from canonical.identity import Identity
from canonical.models import CanonicalOrderLine, CanonicalSalesOrder
from canonical.testing import IdentityKeys
from inventory.adapters.unit_of_work import PostgresUnitOfWork
from inventory.entrypoints.dependencies import PROJECTORS
from inventory.service_layer.orders.sales_orders import ImportedOrder, import_sales_order
from inventory.settings import Settings

from .support import warehouse
from .test_orders_support import Floor, order_lines, pick_floor, sales_order

pytestmark = pytest.mark.integration


@pytest.fixture
async def floor(inventory: httpx.AsyncClient) -> Floor:
    return await pick_floor(inventory)


async def test_create_edit_list_and_cancel_an_order(inventory: httpx.AsyncClient, floor: Floor) -> None:
    created = await sales_order(inventory, floor, "SO-1", ("TST-1", 2), ("TST-2", 1))
    order = created["sales_order"]
    assert (order["status"], order["so_barcode"], order["priority"]) == ("OPEN", "SO-1", 0)
    assert [(line["line_number"], line["sku"], line["quantity_ordered"]) for line in created["lines"]] == [
        (1, "TST-1", 2),
        (2, "TST-2", 1),
    ]
    body = {
        "so_number": "SO-1",
        "warehouse_id": floor.wh,
        "lines": [{"item_id": floor.items["TST-1"], "quantity_ordered": 1}],
    }
    duplicate = await inventory.post("/api/admin/sales-orders", json=body)
    assert duplicate.status_code == 400
    assert duplicate.json()["code"] == "duplicate_so_number"
    unknown = await inventory.post(
        "/api/admin/sales-orders",
        json={**body, "so_number": "SO-X", "lines": [{"item_id": 999, "quantity_ordered": 1}]},
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "Item 999 not found"
    assert (
        await inventory.post("/api/admin/sales-orders", json={**body, "so_number": "SO-X", "lines": []})
    ).status_code == 400

    edited = await inventory.put(
        f"/api/admin/sales-orders/{order['so_id']}", json={"priority": 7, "ship_method": "EXPRESS"}
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["sales_order"]["priority"], edited.json()["sales_order"]["ship_method"]) == (7, "EXPRESS")
    assert (await inventory.put(f"/api/admin/sales-orders/{order['so_id']}", json={})).status_code == 400
    assert (await inventory.put("/api/admin/sales-orders/99999", json={"priority": 1})).status_code == 404

    await sales_order(inventory, floor, "SO-2", ("TST-3", 1))
    listed = (await inventory.get("/api/admin/sales-orders", params={"q": "SO-", "per_page": 1})).json()
    assert (listed["total"], listed["pages"], listed["sales_orders"][0]["so_number"]) == (2, 2, "SO-2")

    assert (await inventory.post(f"/api/admin/sales-orders/{order['so_id']}/cancel")).json() == {
        "message": "Sales order cancelled"
    }
    locked = await inventory.put(f"/api/admin/sales-orders/{order['so_id']}", json={"priority": 1})
    assert locked.status_code == 400
    assert locked.json()["code"] == "sales_order_not_editable"
    assert (await inventory.get("/api/admin/sales-orders/99999")).status_code == 404


async def test_the_so_lookup_hides_other_warehouses(
    inventory: httpx.AsyncClient, floor: Floor, identity_keys: IdentityKeys
) -> None:
    await sales_order(inventory, floor, "SO-1", ("TST-1", 2))
    found = (await inventory.get("/api/lookup/so/ SO-1 ")).json()["sales_order"]
    assert (found["so_number"], found["status"], found["lines"][0]["sku"]) == ("SO-1", "OPEN", "TST-1")
    elsewhere = await warehouse(inventory, "WH2")
    scoped = Identity(subject="picker-1", username="picker", role="USER", warehouse_ids=(elsewhere,))
    hidden = await inventory.get("/api/lookup/so/SO-1", headers=identity_keys.headers(scoped))
    assert hidden.status_code == 404
    assert (await inventory.get("/api/lookup/so/SO-NOPE")).status_code == 404


async def test_inbound_orders_are_created_then_updated_by_number(
    inventory: httpx.AsyncClient, floor: Floor, inventory_settings: Settings
) -> None:
    pool = await create_pool(inventory_settings.database_url.get_secret_value(), min_size=1, max_size=2)
    try:
        writer = EventWriter(default_registry(), inventory_settings.kafka_topic_prefix)

        def uow() -> PostgresUnitOfWork:
            return PostgresUnitOfWork(pool, writer, default_registry(), PROJECTORS)

        context = CommandContext(request_id="inbound-1", actor="system:inbound")
        order = CanonicalSalesOrder(
            so_number="ERP-1",
            warehouse_id=floor.wh,
            customer_name="Fly Shop",
            lines=[CanonicalOrderLine(sku="TST-1", quantity_ordered=2)],
        )
        created = await import_sales_order(uow(), order, [floor.items["TST-1"]], context)
        assert created.created
        so_id = created.so_id
        assert (await order_lines(inventory, so_id))["TST-1"]["quantity_ordered"] == 2
        update = CanonicalSalesOrder(
            so_number="ERP-1", priority=5, lines=[CanonicalOrderLine(sku="TST-2", quantity_ordered=4)]
        )
        assert await import_sales_order(uow(), update, [floor.items["TST-2"]], context) == ImportedOrder(so_id, False)
        detail = (await inventory.get(f"/api/admin/sales-orders/{so_id}")).json()
        assert (detail["sales_order"]["priority"], detail["sales_order"]["customer_name"]) == (5, "Fly Shop")
        assert [(line["sku"], line["quantity_ordered"]) for line in detail["lines"]] == [("TST-2", 4)]
    finally:
        await pool.close()
