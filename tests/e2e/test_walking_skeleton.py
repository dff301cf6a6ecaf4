"""The walking skeleton, end to end on the real broker and databases.

One real command (create a warehouse in inventory) produces an event that
travels inventory -> outbox -> Kafka -> the audit service (a hash-chained
row) and the dispatcher (an HMAC-signed webhook to a receiver on loopback).
Each service runs its own app on its own test database, as in production.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import asyncpg
import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI, Request, Response

import audit.entrypoints.app as audit_app
import audit.settings
import dispatcher.entrypoints.app as dispatcher_app
import dispatcher.settings
import inventory.entrypoints.app as inventory_app
import inventory.settings
from canonical.testing import ADMIN, IdentityKeys, TestDatabase, eventually, generate_identity_keys, serving
from tests.e2e.stack import behind_gateway, fresh_database, until_ready

pytestmark = pytest.mark.e2e


@dataclass
class Receiver:
    deliveries: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hooks/wms")
        async def receive(request: Request) -> Response:
            self.deliveries.append((dict(request.headers), await request.body()))
            return Response(status_code=204)

        return app


@dataclass(frozen=True)
class Stack:
    inventory: httpx.AsyncClient
    dispatcher: httpx.AsyncClient
    audit_database: TestDatabase
    inventory_database: TestDatabase
    receiver: Receiver
    receiver_url: str


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    keys: IdentityKeys = generate_identity_keys()
    common = behind_gateway(keys)  # one topic prefix: audit and the dispatcher hear inventory's events
    databases = {name: await fresh_database(name) for name in ("inventory", "audit", "dispatcher")}
    receiver = Receiver()
    async with AsyncExitStack() as exit_stack:
        apps = {
            "inventory": inventory_app.create_app(
                inventory.settings.Settings(database_url=databases["inventory"].app_url, **common)
            ),
            "audit": audit_app.create_app(
                audit.settings.Settings(
                    database_url=databases["audit"].app_url,
                    sentry_audit_signing_key=generate_identity_keys().private_setting,
                    **common,
                )
            ),
            "dispatcher": dispatcher_app.create_app(
                dispatcher.settings.Settings(
                    database_url=databases["dispatcher"].app_url,
                    sentry_encryption_key=Fernet.generate_key().decode(),
                    sentry_pubsub_hmac_key=secrets.token_hex(32),
                    sentry_allow_internal_webhooks=True,  # the receiver lives on loopback
                    **common,
                )
            ),
        }
        clients = {}
        for name, app in apps.items():
            base_url = await exit_stack.enter_async_context(serving(app))
            clients[name] = await exit_stack.enter_async_context(
                httpx.AsyncClient(base_url=base_url, headers=keys.headers(ADMIN))
            )
        receiver_url = await exit_stack.enter_async_context(serving(receiver.app()))
        for client in clients.values():
            await until_ready(str(client.base_url))
        yield Stack(
            clients["inventory"],
            clients["dispatcher"],
            databases["audit"],
            databases["inventory"],
            receiver,
            f"{receiver_url}/hooks/wms",
        )


def standard_webhooks_signature(secret: str, headers: dict[str, str], body: bytes) -> str:
    """An independent verifier, written from the Standard Webhooks spec, not from the dispatcher's code."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


async def test_a_warehouse_created_is_audited_in_the_chain_and_delivered_as_a_signed_webhook(stack: Stack) -> None:
    subscription = await stack.dispatcher.post(
        "/api/admin/webhooks", json={"display_name": "ERP", "delivery_url": stack.receiver_url}
    )
    assert subscription.status_code == 201, subscription.text
    secret = subscription.json()["secret"]

    created = await stack.inventory.post(
        "/api/admin/warehouses", json={"warehouse_code": "E2E", "warehouse_name": "End to end"}
    )
    assert created.status_code == 201, created.text
    warehouse_id = created.json()["warehouse_id"]

    inventory_db = await asyncpg.connect(stack.inventory_database.admin_url)
    try:
        event_id = str(
            await inventory_db.fetchval("SELECT event_id FROM event_store WHERE event_type = 'warehouse.created'")
        )
    finally:
        await inventory_db.close()

    audit_db = await asyncpg.connect(stack.audit_database.admin_url)
    try:

        async def audited() -> asyncpg.Record | None:
            return await audit_db.fetchrow("SELECT * FROM audit_log WHERE event_id = $1::uuid", event_id)

        row = await eventually(audited, timeout_s=20)
        assert (row["action_type"], row["entity_id"]) == ("WAREHOUSE_CREATE", f"warehouse-{warehouse_id}")
        assert row["actor"] == ADMIN.subject
        assert await audit_db.fetchval("SELECT verify_audit_log_chain()") is None
    finally:
        await audit_db.close()

    async def delivered() -> tuple[dict[str, str], bytes] | None:
        return stack.receiver.deliveries[0] if stack.receiver.deliveries else None

    headers, body = await eventually(delivered, timeout_s=20)
    assert headers["webhook-id"] == event_id
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 300
    assert standard_webhooks_signature(secret, headers, body) in headers["webhook-signature"].split(" ")
    event = json.loads(body)
    assert event["type"] == "warehouse.created"
    assert event["data"]["warehouse_code"] == "E2E"
