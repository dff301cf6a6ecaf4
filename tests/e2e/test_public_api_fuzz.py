"""Schemathesis over the whole public API, through the gateway, in front of the real services.

The gateway merges every service's OpenAPI document into `/api/openapi.json`; this test generates a
few requests for each of its operations (a fixed seed, so a CI failure reproduces) and sends them as
the seeded admin (its password set by ADMIN_PASSWORD, so no forced change), or with an API token on
the machine routes. No generated input may get a 5xx: bad input is a 4xx with a stable code. A
failure names the request (as curl) and the tracebacks the services logged while answering it.

The generated logins fail and lock the loopback address out of `/api/auth/login` for 15 minutes;
the fuzzer logged in before, and nothing else is locked."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

import audit.entrypoints.app as audit_app
import dispatcher.entrypoints.app as dispatcher_app
import inbound.entrypoints.app as inbound_app
import inbound.settings
import inventory.entrypoints.app as inventory_app
from canonical.testing import generate_identity_keys, serving, unique_topic_prefix
from gateway.domain.api_tokens import ENDPOINT_SLUGS, INBOUND_PREFIX, INBOUND_RESOURCES
from gateway.entrypoints.proxy_api import MACHINE_PREFIXES
from gateway.testing import Gateway
from inventory.entrypoints.seed import seed as seed_inventory

from .stack import (
    SERVICES,
    behind_gateway,
    fresh_audit,
    fresh_database,
    fresh_dispatcher,
    fresh_inventory,
    served_gateway,
    until_ready,
)

pytestmark = pytest.mark.e2e

EXAMPLES_PER_OPERATION = 10
SEED = 20261205  # fixed: the same requests on every run, so a failure in CI reproduces locally
_FORMAT = logging.Formatter("%(name)s: %(message)s")  # with the traceback of a logged exception
TEMPLATE = SERVICES / "inbound" / "mappings" / "example-template.yaml.template"

SKIPPED = {
    # A generated password would change the admin's and revoke the session the fuzzer sends.
    ("POST", "/api/auth/change-password"),
    # Revokes the session the fuzzer sends: every later request would be a 401.
    ("POST", "/api/auth/logout"),
}
# Operations on one user or one API token: generated ids are small, so they often name the fuzzer's
# own admin (the seed's first user) or token, and demoting, deactivating or deleting it, revoking its
# sessions, or rotating, revoking or deleting the token would leave the rest of the run with 401s.
# When they do, the request goes to a spare of the same kind instead (the path parameter they take).
SPARING = {
    ("PUT", "/api/admin/users/{user_id}"): "user_id",
    ("DELETE", "/api/admin/users/{user_id}"): "user_id",
    ("POST", "/api/admin/users/{user_id}/sessions/revoke"): "user_id",
    ("POST", "/api/admin/tokens/{token_id}/rotate"): "token_id",
    ("POST", "/api/admin/tokens/{token_id}/revoke"): "token_id",
    ("DELETE", "/api/admin/tokens/{token_id}"): "token_id",
}


@dataclass(frozen=True)
class Stack:
    gateway: Gateway
    admin: dict[str, str]  # the seeded admin's bearer header
    outbound: dict[str, str]  # an X-WMS-Token with every outbound endpoint
    inbound: dict[str, str]  # an X-WMS-Token with every inbound resource (a token has one direction)
    spares: dict[str, dict[int, int]]  # path parameter -> {the fuzzer's own id: a spare's id}

    def credentials(self, path: str) -> dict[str, str]:
        """Machine routes take an API token, never a session (the gateway answers 401 to a bearer there)."""
        if path.startswith(INBOUND_PREFIX):
            return self.inbound
        return self.outbound if path.startswith(MACHINE_PREFIXES) else self.admin

    def spare(self, case: Case[Any]) -> None:
        """Point an operation that would take the fuzzer's identity away at a spare instead."""
        parameter = SPARING.get((case.method.upper(), case.path))
        if parameter is not None:
            generated = case.path_parameters[parameter]
            case.path_parameters[parameter] = self.spares[parameter].get(generated, generated)


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    """Inventory (demo seed), inbound, dispatcher and audit on one topic prefix, the gateway in front."""
    keys = generate_identity_keys()
    prefix = unique_topic_prefix()
    common = behind_gateway(keys, prefix)
    inventory_settings = await fresh_inventory(keys, prefix)
    await seed_inventory(inventory_settings)
    inbound_database = await fresh_database("inbound")
    await _allow_source_system(inbound_database.admin_url, "erp")
    (tmp_path / "erp.yaml").write_text(
        TEMPLATE.read_text().replace("source_system: example-template", "source_system: erp")
    )
    inbound_settings = inbound.settings.Settings(
        database_url=inbound_database.app_url,
        sentry_inbound_mappings_dir=tmp_path,
        inbound_apply_wait_ms=0,  # answer 202 at once: the fuzzer must not wait for inventory on every POST
        **common,
    )
    dispatcher_settings = await fresh_dispatcher(keys, prefix)
    audit_settings = await fresh_audit(keys, prefix)
    async with (
        serving(inventory_app.create_app(inventory_settings)) as inventory_url,
        serving(inbound_app.create_app(inbound_settings)) as inbound_url,
        serving(dispatcher_app.create_app(dispatcher_settings)) as dispatcher_url,
        serving(audit_app.create_app(audit_settings)) as audit_url,
    ):
        for url in (inventory_url, inbound_url, dispatcher_url, audit_url):
            await until_ready(url)
        async with served_gateway(
            keys,
            kafka_topic_prefix=prefix,
            inventory_url=inventory_url,
            inbound_url=inbound_url,
            dispatcher_url=dispatcher_url,
            audit_url=audit_url,
            # The limiter stays on (its code runs) with limits no fuzz run reaches.
            rate_limit_default_per_min=1_000_000,
            rate_limit_auth_per_min=1_000_000,
            rate_limit_tokens_per_min=1_000_000,
            rate_limit_connector_test_per_min=1_000_000,
            rate_limit_csp_report_per_min=1_000_000,
            rate_limit_webhook_admin_per_min=1_000_000,
            rate_limit_events_per_min=1_000_000,
            rate_limit_snapshot_per_min=1_000_000,
            rate_limit_inbound_per_min=1_000_000,
        ) as gateway:
            admin = await gateway.bearer()
            async with gateway.client(headers=admin) as client:
                warehouses = [w["id"] for w in (await client.get("/api/warehouses/list")).json()["warehouses"]]
            outbound = await _issue_token(
                gateway, admin, "fuzz-out", endpoints=list(ENDPOINT_SLUGS), warehouse_ids=warehouses
            )
            inbound_scope = {"source_system": "erp", "inbound_resources": list(INBOUND_RESOURCES)}
            erp = await _issue_token(gateway, admin, "fuzz-in", **inbound_scope)
            spare_token = await _issue_token(gateway, admin, "fuzz-spare", **inbound_scope)
            admin_id = (await gateway.login())["user"]["user_id"]
            spare_user = await gateway.add_user("fuzz-spare")
            spares = {
                "user_id": {admin_id: spare_user["user_id"]},
                "token_id": {token["token_id"]: spare_token["token_id"] for token in (outbound, erp)},
            }
            yield Stack(gateway, admin, {"X-WMS-Token": outbound["token"]}, {"X-WMS-Token": erp["token"]}, spares)


async def _issue_token(gateway: Gateway, admin: dict[str, str], name: str, **scope: Any) -> dict[str, Any]:
    async with gateway.client(headers=admin) as client:
        issued = await client.post("/api/admin/tokens", json={"token_name": name, **scope})
    assert issued.status_code == 201, issued.text
    token: dict[str, Any] = issued.json()
    return token


async def _allow_source_system(admin_url: str, source_system: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(
            "INSERT INTO inbound_source_systems (source_system, kind) VALUES ($1, 'connector')", source_system
        )
    finally:
        await connection.close()


def _cases(document: dict[str, Any]) -> list[Case[Any]]:
    """`EXAMPLES_PER_OPERATION` generated requests for every operation of the document but the skipped ones."""
    schema = schemathesis.openapi.from_dict(document)
    cases: list[Case[Any]] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid document fails here, as it should
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue

        @seed(SEED)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,  # no example database: every run draws exactly the same cases
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def collect(case: Case[Any]) -> None:
            cases.append(case)

        collect()
    return cases


async def _send(
    client: httpx.AsyncClient, base_url: str, case: Case[Any], credentials: dict[str, str]
) -> httpx.Response:
    """The case as schemathesis' requests transport would send it, through an async client: the services
    run in this event loop, so a blocking call would never be answered."""
    kwargs = case.as_transport_kwargs(base_url=base_url, headers=credentials)
    body = kwargs.get("data")
    return await client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers=kwargs.get("headers"),
        json=kwargs.get("json"),
        content=body.encode() if isinstance(body, str) else body,
    )


def _checks(response: httpx.Response) -> list[CheckFunction]:
    """No 5xx, ever; a status the operation declares; and for errors, the error body the document
    declares (`canonical.web.openapi`: 400 for invalid input, `default` for the rest)."""
    if response.is_success:
        return [not_a_server_error, status_code_conformance]
    return [not_a_server_error, status_code_conformance, response_schema_conformance]


async def test_generated_requests_never_get_a_server_error(stack: Stack, caplog: pytest.LogCaptureFixture) -> None:
    async with stack.gateway.client() as anonymous:
        document = (await anonymous.get("/api/openapi.json")).json()
    # Connectors publishes no API yet (its issue brings it); every other service's part must be there.
    assert set(document.get("x-sentry-unavailable-services", [])) <= {"connectors"}
    assert {"/api/admin/items", "/api/v1/inbound/{resource}", "/api/admin/webhooks", "/api/admin/audit-log"} <= set(
        document["paths"]
    )
    cases = _cases(document)
    failures: list[str] = []
    async with httpx.AsyncClient(timeout=30) as client:
        for case in cases:
            stack.spare(case)
            caplog.clear()
            with caplog.at_level(logging.ERROR):
                response = await _send(client, stack.gateway.url, case, stack.credentials(case.path))
            try:
                case.validate_response(response, checks=_checks(response))
            except FailureGroup as failure:
                logged = "\n".join(_FORMAT.format(record) for record in caplog.records)  # the services' tracebacks
                failures.append(f"{case.as_curl_command(base_url=stack.gateway.url)}\n{failure}\n{logged}")
    assert not failures, f"{len(failures)} failing requests:\n\n" + "\n\n".join(failures)
