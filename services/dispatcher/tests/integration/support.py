"""What the dispatcher's integration tests share: settings, a webhook receiver, events, an independent verifier."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from cryptography.fernet import Fernet
from fastapi import FastAPI, Request, Response
from pydantic import SecretStr

from canonical.events.envelope import CloudEvent
from canonical.events.registry import default_registry, topic_name
from canonical.testing import (
    ADMIN,
    IdentityKeys,
    TestDatabase,
    eventually,
    kafka_bootstrap,
    serving,
    unique_topic_prefix,
    wipe_tables,
)
from canonical.web.runtime import ServiceRuntime
from dispatcher.entrypoints.app import create_app
from dispatcher.settings import Settings


def dispatcher_settings(database: TestDatabase, verify_key: str, *, allow_internal: bool, **overrides: Any) -> Settings:
    return Settings(
        database_url=SecretStr(database.app_url),
        kafka_bootstrap_servers=kafka_bootstrap(),
        kafka_topic_prefix=unique_topic_prefix(),
        kafka_topic_partitions=1,
        sentry_internal_verify_key=verify_key,
        sentry_encryption_key=SecretStr(Fernet.generate_key().decode()),
        sentry_pubsub_hmac_key=SecretStr(secrets.token_hex(32)),
        sentry_allow_internal_webhooks=allow_internal,
        dispatcher_fallback_poll_ms=500,
        **overrides,
    )


@dataclass(frozen=True)
class Dispatcher:
    """A running dispatcher app (admin API, fan-out consumer, delivery worker) on a fresh topic prefix."""

    api: httpx.AsyncClient
    settings: Settings
    keys: IdentityKeys

    @property
    def topic(self) -> str:
        return topic_name(self.settings.kafka_topic_prefix, "catalog")

    def admin(self) -> dict[str, str]:
        return self.keys.headers(ADMIN)  # identity tokens are short-lived: a fresh one per request

    async def subscribe(self, url: str, **body: Any) -> dict[str, Any]:
        response = await self.api.post(
            "/api/admin/webhooks", json={"display_name": "ERP", "delivery_url": url, **body}, headers=self.admin()
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def call(self, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> dict[str, Any]:
        response = await self.api.request(method, path, headers=self.admin(), **kwargs)
        assert response.status_code == expect, response.text
        body: dict[str, Any] = response.json()
        return body

    async def attempts(self, subscription_id: str) -> list[dict[str, Any]]:
        response = await self.api.get(f"/api/admin/webhooks/{subscription_id}/deliveries", headers=self.admin())
        assert response.status_code == 200, response.text
        rows: list[dict[str, Any]] = response.json()["deliveries"]
        return rows


@asynccontextmanager
async def running_dispatcher(
    database: TestDatabase, keys: IdentityKeys, *, allow_internal: bool, **overrides: Any
) -> AsyncIterator[Dispatcher]:
    await wipe_tables(database.admin_url)
    settings = dispatcher_settings(database, keys.public_setting, allow_internal=allow_internal, **overrides)
    app = create_app(settings)
    runtime: ServiceRuntime = app.state.runtime

    async def kafka_connected() -> bool:  # the runtime creates the topics before it says so
        return runtime.kafka_ready.is_set()

    async with serving(app) as url, httpx.AsyncClient(base_url=url) as api:
        await eventually(kafka_connected, timeout_s=30)
        yield Dispatcher(api, settings, keys)


async def attempts_settled_as(
    dispatcher: Dispatcher, subscription_id: str, statuses: set[str], *, count: int = 1
) -> list[dict[str, Any]] | None:
    """The subscription's attempts once there are exactly `count`, all in `statuses`; None means keep waiting."""
    attempts = await dispatcher.attempts(subscription_id)
    if len(attempts) == count and all(a["status"] in statuses for a in attempts):
        return attempts
    return None


@dataclass(frozen=True)
class ReceivedDelivery:
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float


@dataclass
class Receiver:
    """A webhook receiver on loopback that records every request and answers with the status set for its path."""

    deliveries: list[ReceivedDelivery] = field(default_factory=list)
    status_by_path: dict[str, int] = field(default_factory=dict)
    abort_paths: set[str] = field(default_factory=set)  # answer with `webhook-delivery: abort-message`
    delay_s_by_path: dict[str, float] = field(default_factory=dict)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/{path:path}")
        async def receive(path: str, request: Request) -> Response:
            body = await request.body()
            self.deliveries.append(ReceivedDelivery(f"/{path}", dict(request.headers), body, time.time()))
            await asyncio.sleep(self.delay_s_by_path.get(f"/{path}", 0))
            status = self.status_by_path.get(f"/{path}", 204)
            # A redirect points at another path of this receiver, so a client that followed it would show up there.
            headers = {"location": f"/{path}/followed"} if 300 <= status < 400 else {}
            if f"/{path}" in self.abort_paths:
                headers["webhook-delivery"] = "abort-message"
            return Response(status_code=status, headers=headers)

        return app

    def for_event(self, event_id: str, path: str | None = None) -> list[ReceivedDelivery]:
        return [
            d for d in self.deliveries if d.headers.get("webhook-id") == event_id and (path is None or d.path == path)
        ]


def inventory_event(type_name: str, data: dict[str, Any], subject: str) -> CloudEvent:
    """An event as inventory's relay publishes it, its data checked against the registered schema."""
    event_type = default_registry().get(type_name, 1)
    event_type.validate(data)
    return CloudEvent(
        source="/sentry-wms/inventory",
        type=event_type.name,
        subject=subject,
        dataschema=event_type.dataschema,
        data=data,
        sequence=1,
        correlationid=str(uuid.uuid4()),
        actor="00000000-0000-4000-8000-000000000001",
    )


def warehouse_created(warehouse_id: int, subject: str | None = None) -> CloudEvent:
    data: dict[str, Any] = {
        "warehouse_id": warehouse_id,
        "warehouse_code": f"WH{warehouse_id}",
        "warehouse_name": f"Warehouse {warehouse_id}",
        "address": None,
        "is_active": True,
        "created_at": datetime.now(UTC).isoformat(),
    }
    return inventory_event("warehouse.created", data, subject or f"warehouse-{warehouse_id}")


def signature_is_valid(secret: str, delivery: ReceivedDelivery, *, tolerance_s: int = 300) -> bool:
    """A receiver's check written from the Standard Webhooks spec alone, sharing no code with the dispatcher."""
    msg_id = delivery.headers["webhook-id"]
    timestamp = delivery.headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance_s:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + delivery.body, hashlib.sha256).digest()
    for entry in delivery.headers["webhook-signature"].split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(base64.b64decode(signature), expected):
            return True
    return False


@asynccontextmanager
async def database_connection(dispatcher: Dispatcher) -> AsyncIterator[asyncpg.Connection]:
    """A connection of the dispatcher's own database, jsonb decoded, for what the API does not show."""
    connection = await asyncpg.connect(dispatcher.settings.database_url.get_secret_value())
    await connection.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    try:
        yield connection
    finally:
        await connection.close()
