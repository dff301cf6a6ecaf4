"""Schemathesis over the gateway's own OpenAPI document: generated input never causes a 5xx."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core import NotSet

from canonical.testing import IdentityKeys, serving
from gateway.testing import Gateway, StartGateway, echo_service

pytestmark = pytest.mark.integration

EXAMPLES_PER_OPERATION = 15
# Generated passwords must not change the admin's password (the run would lock itself out) nor
# log out the session the fuzzer uses; both are exercised by the auth tests.
SKIPPED = {("POST", "/api/auth/change-password"), ("POST", "/api/auth/logout")}


def _cases(document: dict[str, Any]) -> list[Any]:
    schema = schemathesis.openapi.from_dict(document)
    cases: list[Any] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid document fails here, as it should
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def collect(case: Any) -> None:
            cases.append(case)

        collect()
    return cases


async def test_generated_requests_never_get_a_server_error(
    start_gateway: StartGateway, identity_keys: IdentityKeys
) -> None:
    async with serving(echo_service(identity_keys.public_setting, [1, 2])) as inventory:
        gateway = await start_gateway(inventory_url=inventory)
        await _fuzz(gateway)


async def _fuzz(gateway: Gateway) -> None:
    async with gateway.client() as client:
        document = (await client.get("/api/openapi.json")).json()
    assert "/api/auth/login" in document["paths"]
    cases = _cases(document)
    assert len(cases) > 50
    headers = await gateway.bearer()
    failures = []
    async with gateway.client(headers=headers) as client:
        for case in cases:
            body = None if isinstance(case.body, NotSet) else case.body
            content = json.dumps(body).encode() if body is not None else None
            response = await client.request(
                case.method,
                case.formatted_path,
                params=case.query or None,
                content=content,
                headers={"Content-Type": "application/json", **(case.headers or {})}
                if content is not None
                else case.headers,
            )
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, case.query, body, response.status_code))
    assert failures == []
