"""Helpers for the gateway's test suites and benchmark (imported only by them)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from canonical.identity import HEADER, public_key_from_setting, verify_identity
from canonical.testing import (
    IdentityKeys,
    TestDatabase,
    free_port,
    kafka_bootstrap,
    unique_topic_prefix,
)
from gateway.settings import Settings

PASSWORD = "Sturdy-Pass-42"  # noqa: S105 (the test admin's password)


@dataclass
class Gateway:
    url: str
    database: TestDatabase
    keys: IdentityKeys
    settings: Settings

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, **kwargs)

    async def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(self.database.admin_url)
        try:
            return list(await connection.fetch(query, *args))
        finally:
            await connection.close()

    async def login(self, username: str = "admin", password: str = PASSWORD) -> dict[str, Any]:
        async with self.client() as client:
            response = await client.post("/api/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def bearer(self, username: str = "admin", password: str = PASSWORD) -> dict[str, str]:
        return {"Authorization": f"Bearer {(await self.login(username, password))['token']}"}

    async def add_user(self, username: str, **fields: Any) -> dict[str, Any]:
        body = {"username": username, "password": PASSWORD, "role": "USER", **fields}
        async with self.client(headers=await self.bearer()) as client:
            response = await client.post("/api/admin/users", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


def gateway_settings(database: TestDatabase, keys: IdentityKeys, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database.app_url,
        "kafka_bootstrap_servers": kafka_bootstrap(),
        "kafka_topic_prefix": unique_topic_prefix(),
        "sentry_internal_signing_key": keys.private_setting,
        "redis_key_prefix": f"test:{uuid.uuid4().hex[:10]}:",
        "admin_password": PASSWORD,
    }
    # Never the dev stack's services on their default ports: a test names the upstreams it runs.
    for upstream in ("inventory", "inbound", "dispatcher", "connectors", "audit"):
        values[f"{upstream}_url"] = f"http://127.0.0.1:{free_port()}"
    for variable in ("JWT_SECRET", "SENTRY_TOKEN_PEPPER", "SENTRY_PUBSUB_HMAC_KEY", "REDIS_PASSWORD", "REDIS_URL"):
        if variable in os.environ:
            values[variable.lower()] = os.environ[variable]
    values.update(overrides)
    return Settings(**values)


async def event_values(gateway: Gateway, event_type: str, field: str) -> list[str]:
    """One data field of every stored event of a type, in append order."""
    rows = await gateway.sql(
        "SELECT data->>$2 AS value FROM event_store WHERE event_type = $1 ORDER BY global_position", event_type, field
    )
    return [r["value"] for r in rows]


def echo_service(public_key: str, warehouses: list[int], source_systems: list[str] | None = None) -> FastAPI:
    """A stand-in upstream that verifies the gateway's identity token and tells what it received.

    It also answers as inventory (warehouses) and inbound (the source-system allow-list, default
    `["erp"]`; the list is read on every request, so a test may change it).
    """
    app = FastAPI(openapi_url=None)  # publishes no document: the gateway's own is what the fuzz test reads
    key = public_key_from_setting(public_key)
    allow_list = ["erp"] if source_systems is None else source_systems

    @app.get("/api/warehouses/list")
    async def warehouse_list(request: Request) -> dict[str, Any]:
        verify_identity(request.headers[HEADER], key)
        return {"warehouses": [{"id": w, "name": f"W{w}", "code": f"W{w}"} for w in warehouses]}

    @app.get("/api/admin/inbound/source-systems")
    async def source_system_list(request: Request) -> JSONResponse:
        if not verify_identity(request.headers[HEADER], key).is_admin:
            return JSONResponse({"error": "Forbidden"}, status_code=403)
        return JSONResponse({"source_systems": [{"source_system": s, "kind": "erp"} for s in allow_list]})

    @app.get("/api/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(3)
        return {}

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "DELETE"])
    async def echo(rest: str, request: Request) -> JSONResponse:
        identity = verify_identity(request.headers[HEADER], key)
        return JSONResponse(
            {
                "path": request.url.path,
                "query": request.url.query,
                "body": (await request.body()).decode(),
                "headers": dict(request.headers),
                "identity": {"subject": identity.subject, "role": identity.role, "wh": list(identity.warehouse_ids)},
            },
            status_code=418 if rest == "teapot" else 200,
            headers={"X-Upstream": "yes"},
        )

    return app


StartGateway = Callable[..., Awaitable[Gateway]]
