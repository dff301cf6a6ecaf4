"""kill -9 of the dispatcher in the middle of a delivery loses nothing.

The dispatcher runs as its own process (`python -m dispatcher`) on its test
database and a fresh topic prefix. The receiver holds the first request open;
while it does, the process is killed with SIGKILL. The attempt is left
`in_flight`; a new process reclaims it once its lease has run out and delivers
it again, with the same `webhook-id` and a valid signature.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI, Request, Response

from canonical.events.registry import topic_name
from canonical.testing import (
    ADMIN,
    IdentityKeys,
    TestDatabase,
    eventually,
    free_port,
    generate_identity_keys,
    kafka_bootstrap,
    publish,
    serving,
    unique_topic_prefix,
)
from tests.e2e.stack import fresh_database

pytestmark = pytest.mark.e2e

HOLD_FIRST_REQUEST_S = 10.0


class HoldingReceiver:
    """Keeps the first request open (the dispatcher dies meanwhile); answers 204 to the others."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hooks/crash")
        async def receive(request: Request) -> Response:
            self.requests.append((dict(request.headers), await request.body()))
            if len(self.requests) == 1:
                await asyncio.sleep(HOLD_FIRST_REQUEST_S)
            return Response(status_code=204)

        return app


@asynccontextmanager
async def dispatcher_process(env: dict[str, str], port: int) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "dispatcher", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

            async def ready() -> bool:
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, timeout_s=60, interval_s=0.2)
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=60)


def standard_signature_is_valid(secret: str, headers: dict[str, str], body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(f"v1,{expected}", s) for s in headers["webhook-signature"].split(" "))


@pytest.fixture
async def database() -> TestDatabase:
    return await fresh_database("dispatcher")


async def test_a_killed_dispatcher_delivers_the_interrupted_webhook_after_restart(database: TestDatabase) -> None:
    keys: IdentityKeys = generate_identity_keys()
    prefix = unique_topic_prefix()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database.app_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
        "KAFKA_TOPIC_PREFIX": prefix,
        "KAFKA_TOPIC_PARTITIONS": "1",
        "SERVICE_PORT": str(port),
        "SENTRY_INTERNAL_VERIFY_KEY": keys.public_setting,
        "SENTRY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "SENTRY_PUBSUB_HMAC_KEY": secrets.token_hex(32),
        "SENTRY_ALLOW_INTERNAL_WEBHOOKS": "true",
        # Short sends keep the in-flight lease (connect + total + 30 s grace) to about half a minute.
        "DISPATCHER_HTTP_TIMEOUT_MS": "2000",
        "DISPATCHER_HTTP_CONNECT_TIMEOUT_MS": "1000",
        "DISPATCHER_HTTP_READ_TIMEOUT_MS": "1500",
        "DISPATCHER_FALLBACK_POLL_MS": "500",
    }
    receiver = HoldingReceiver()
    async with serving(receiver.app()) as receiver_url:
        async with dispatcher_process(env, port) as first:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as api:
                created = await api.post(
                    "/api/admin/webhooks",
                    json={"display_name": "ERP", "delivery_url": f"{receiver_url}/hooks/crash"},
                    headers=keys.headers(ADMIN),
                )
            assert created.status_code == 201, created.text
            secret = created.json()["secret"]
            event_id = "6f1c1c52-4d5e-4f9e-9d3a-0d7e2f3b9a11"
            event = {
                "specversion": "1.0",
                "id": event_id,
                "source": "/sentry-wms/inventory",
                "type": "warehouse.created",
                "subject": "warehouse-7",
                "time": "2026-12-04T12:00:00Z",
                "datacontenttype": "application/json",
                "data": {
                    "warehouse_id": 7,
                    "warehouse_code": "WH7",
                    "warehouse_name": "Seven",
                    "address": None,
                    "is_active": True,
                    "created_at": "2026-12-04T12:00:00Z",
                },
            }
            await publish(topic_name(prefix, "catalog"), json.dumps(event).encode())

            async def first_request_arrived() -> bool:
                return bool(receiver.requests)

            await eventually(first_request_arrived, timeout_s=30, interval_s=0.01)
            first.send_signal(signal.SIGKILL)
            await asyncio.wait_for(first.wait(), timeout=10)

        connection = await asyncpg.connect(database.app_url)
        try:
            assert await connection.fetchval("SELECT status FROM webhook_deliveries") == "in_flight"
        finally:
            await connection.close()

        async with dispatcher_process(env, port):

            async def redelivered() -> bool:
                return len(receiver.requests) >= 2

            await eventually(redelivered, timeout_s=90, interval_s=0.2)

    (first_headers, first_body), (second_headers, second_body) = receiver.requests[:2]
    assert first_headers["webhook-id"] == second_headers["webhook-id"] == event_id
    assert first_body == second_body
    assert standard_signature_is_valid(secret, second_headers, second_body)
