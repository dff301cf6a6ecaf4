"""The connector registry through the gateway: an admin registers a connector at the gateway, the dispatcher
owns it, and the change reaches the audit chain as v1.7's CONNECTOR_REGISTRY_CREATE (V-221)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import audit.entrypoints.app as audit_app
import dispatcher.entrypoints.app as dispatcher_app
from canonical.testing import eventually, generate_identity_keys, serving, unique_topic_prefix
from gateway.testing import Gateway
from tests.e2e.stack import fresh_audit, fresh_dispatcher, served_gateway

pytestmark = pytest.mark.e2e


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    """Gateway, dispatcher and audit log on one fresh topic prefix; the gateway forwards to the other two."""
    keys = generate_identity_keys()
    prefix = unique_topic_prefix()
    audit_settings = await fresh_audit(keys, prefix)
    dispatcher_settings = await fresh_dispatcher(keys, prefix)
    async with (
        serving(audit_app.create_app(audit_settings)) as audit_url,
        serving(dispatcher_app.create_app(dispatcher_settings)) as dispatcher_url,
        served_gateway(keys, kafka_topic_prefix=prefix, audit_url=audit_url, dispatcher_url=dispatcher_url) as gateway,
    ):
        yield gateway


async def test_a_connector_registered_at_the_gateway_is_audited(gateway: Gateway) -> None:
    async with gateway.client(headers=await gateway.bearer(), timeout=30) as client:
        created = await client.post(
            "/api/admin/connector-registry", json={"connector_id": "erp-e2e", "display_name": "ERP"}
        )
        assert created.status_code == 201, created.text
        duplicate = await client.post(
            "/api/admin/connector-registry", json={"connector_id": "erp-e2e", "display_name": "ERP"}
        )
        assert (duplicate.status_code, duplicate.json()["code"]) == (409, "duplicate_connector_id")

        async def audited() -> list[dict[str, Any]] | None:
            response = await client.get("/api/admin/audit-log", params={"action_type": "CONNECTOR_REGISTRY_CREATE"})
            assert response.status_code == 200, response.text
            entries: list[dict[str, Any]] = response.json()["entries"]
            return entries or None

        (entry,) = await eventually(audited, timeout_s=30)
        assert entry["entity_type"] == "CONNECTOR"
        assert entry["details"]["data"] == {"connector_id": "erp-e2e", "display_name": "ERP"}
