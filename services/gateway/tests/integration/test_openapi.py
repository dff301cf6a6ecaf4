"""/api/openapi.json: one document for the whole public API, read from the services and cached."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from pydantic import BaseModel, create_model

from canonical.testing import serving
from gateway.testing import StartGateway

pytestmark = pytest.mark.integration


class Item(BaseModel):
    sku: str


# Inbound's model has the same name and another shape.
InboundItem = create_model("Item", source_system=(str, ...), kind=(int, ...))


def _inventory() -> FastAPI:
    app = FastAPI()

    @app.get("/api/items/{item_id}")
    async def get_item(item_id: int) -> Item:
        return Item(sku=str(item_id))

    @app.get("/api/admin/inbound/stray")  # published by the wrong service: the gateway sends it to inbound
    async def stray() -> dict[str, str]:
        return {}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {}

    return app


def _inbound() -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/inbound/mapping-schema")
    async def mapping_schema() -> dict[str, Any]:
        return {}

    @app.post("/api/admin/inbound/source-systems")
    async def add(item: InboundItem) -> InboundItem:
        return item

    return app


async def test_the_document_covers_every_service_that_answers_and_says_which_did_not(
    start_gateway: StartGateway,
) -> None:
    async with AsyncExitStack() as stack:
        inbound = await stack.enter_async_context(serving(_inbound()))
        inventory_stack = await stack.enter_async_context(AsyncExitStack())
        inventory = await inventory_stack.enter_async_context(serving(_inventory()))
        gateway = await start_gateway(inventory_url=inventory, inbound_url=inbound)
        async with gateway.client() as anonymous:
            response = await anonymous.get("/api/openapi.json")
            assert response.status_code == 200
            document = response.json()
            paths = document["paths"]
            assert {"/api/auth/login", "/api/admin/users/{user_id}", "/api/admin/tokens"} <= set(paths)
            assert {"/api/items/{item_id}", "/api/v1/inbound/mapping-schema"} <= set(paths)
            assert "/api/admin/inbound/stray" not in paths
            assert [p for p in paths if not p.startswith("/api/")] == []  # no probes or metrics, ours or theirs
            assert "/api/{rest}" not in paths  # the catch-all forwarder is not an operation
            # Both services call their model `Item`: one keeps the name, the other's is renamed, refs follow.
            schemas = document["components"]["schemas"]
            added = paths["/api/admin/inbound/source-systems"]["post"]["requestBody"]["content"]["application/json"]
            item = paths["/api/items/{item_id}"]["get"]["responses"]["200"]["content"]["application/json"]
            inbound_name = added["schema"]["$ref"].rsplit("/", 1)[1]
            inventory_name = item["schema"]["$ref"].rsplit("/", 1)[1]
            assert {inbound_name, inventory_name} == {"Item", "inventory.Item"}
            assert set(schemas[inbound_name]["properties"]) == {"source_system", "kind"}
            assert set(schemas[inventory_name]["properties"]) == {"sku"}
            assert document["x-sentry-unavailable-services"] == ["audit", "connectors", "dispatcher"]
            operations = [op.ok() for op in schemathesis.openapi.from_dict(document).get_all_operations()]  # type: ignore[union-attr]
            assert len(operations) > 20
            # Inventory goes away: its part stays, from the last good copy.
            await inventory_stack.aclose()
            again = (await anonymous.get("/api/openapi.json")).json()
            assert "/api/items/{item_id}" in again["paths"]
            assert again["x-sentry-unavailable-services"] == ["audit", "connectors", "dispatcher"]
