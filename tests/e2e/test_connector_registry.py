"""The connector registry through the gateway: an admin registers a connector at the gateway, the dispatcher
owns it, and the change reaches the audit chain as v1.7's CONNECTOR_REGISTRY_CREATE (V-221)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

import audit.entrypoints.app as audit_app
import audit.settings
import dispatcher.entrypoints.app as dispatcher_app
import dispatcher.settings
from canonical.testing import eventually, generate_identity_keys, serving, unique_topic_prefix
from gateway.testing import Gateway
from tests.e2e.stack import behind_gateway, fresh_database, served_gateway

pytestmark = pytest.mark.e2e


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    """Gateway, dispatcher and audit log on one fresh topic prefix; the gateway forwards to the other two."""
    keys = generate_identity_keys()
    prefix = unique_topic_prefix()
    common = behind_gateway(keys, prefix)
    audit_settings = audit.settings.Settings(
        database_url=(await fresh_database("audit")).app_url,
        sentry_audit_signing_key=generate_identity_keys().private_setting,
        **common,
    )
    dispatcher_settings = dispatcher.settings.Settings(
        database_url=SecretStr((await fresh_database("dispatcher")).app_url),
        sentry_encryption_key=SecretStr(Fernet.generate_key().decode()),
        sentry_pubsub_hmac_key=SecretStr(secrets.token_hex(32)),
        **common,
    )
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
