"""Every service serves /healthz, /readyz (database and Kafka) and /metrics on its own database."""

from __future__ import annotations

import importlib
import secrets
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from canonical.testing import (
    eventually,
    generate_identity_keys,
    kafka_bootstrap,
    prepare_test_database,
    require_test_database,
    serving,
    unique_topic_prefix,
)
from tests.e2e.stack import SERVICES, fresh_database

pytestmark = pytest.mark.integration

KEYS = generate_identity_keys()

SECRETS: dict[str, dict[str, Any]] = {
    "gateway": {
        "jwt_secret": secrets.token_hex(32),
        "sentry_token_pepper": secrets.token_hex(32),
        "sentry_pubsub_hmac_key": secrets.token_hex(32),
        "redis_password": secrets.token_hex(32),
        "sentry_internal_signing_key": KEYS.private_setting,
    },
    "inventory": {"sentry_internal_verify_key": KEYS.public_setting},
    "inbound": {"sentry_internal_verify_key": KEYS.public_setting},
    "dispatcher": {
        "sentry_internal_verify_key": KEYS.public_setting,
        "sentry_encryption_key": Fernet.generate_key().decode(),
        "sentry_pubsub_hmac_key": secrets.token_hex(32),
    },
    "connectors": {
        "sentry_internal_verify_key": KEYS.public_setting,
        "sentry_encryption_key": Fernet.generate_key().decode(),
    },
    "audit": {
        "sentry_internal_verify_key": KEYS.public_setting,
        "sentry_audit_signing_key": generate_identity_keys().private_setting,
    },
}


@pytest.mark.parametrize("service", sorted(SECRETS))
async def test_probes_report_health_readiness_and_metrics(service: str) -> None:
    database = await fresh_database(service)  # another suite's rows (e.g. an allow-listed source) must not leak in
    settings_module = importlib.import_module(f"{service}.settings")
    app_module = importlib.import_module(f"{service}.entrypoints.app")
    settings = settings_module.Settings(
        database_url=database.app_url,
        kafka_bootstrap_servers=kafka_bootstrap(),
        kafka_topic_prefix=unique_topic_prefix(),
        **SECRETS[service],
    )
    async with serving(app_module.create_app(settings)) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok", "service": service}

        async def ready() -> dict[str, Any] | None:
            response = await client.get("/readyz")
            return response.json() if response.status_code == 200 else None

        assert (await eventually(ready, timeout_s=30))["checks"] == {"database": "ok", "kafka": "ok"}
        metrics = (await client.get("/metrics")).text
        assert "wms_http_request_duration_seconds_bucket" in metrics
        assert 'route="/healthz"' in metrics
        response = await client.get("/healthz", headers={"X-Request-ID": "not-a-uuid"})
        assert len(response.headers["x-request-id"]) == 36  # a fresh UUID replaces an unusable one


async def test_the_gateway_health_answers_exactly_status_and_service() -> None:
    gateway_app = importlib.import_module("gateway.entrypoints.app")
    settings_module = importlib.import_module("gateway.settings")
    database = require_test_database("gateway")
    await prepare_test_database(database, SERVICES / "gateway" / "migrations")
    settings = settings_module.Settings(
        database_url=database.app_url, kafka_topic_prefix=unique_topic_prefix(), **SECRETS["gateway"]
    )
    async with serving(gateway_app.create_app(settings)) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        assert (await client.get("/api/health")).json() == {"status": "ok", "service": "sentry-wms"}
