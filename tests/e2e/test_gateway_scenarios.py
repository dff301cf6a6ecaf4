"""Spec scenarios about auth and scoping, through the gateway in front of the real inventory service.

integration-security.md §10 scenario 23 (boot guards) and the domain.md Part N scenarios that touch
authentication, roles, warehouse scope and request validation (5, 12, 41, 44, 45, 54), starting from
the demo seed plus the "warehouse 2 fixture" Part N describes.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis

import dispatcher.settings
import inbound.settings
from canonical.config.settings import BootError, ServiceSettings, load_settings
from canonical.testing import generate_identity_keys
from gateway.settings import Settings as GatewaySettings
from gateway.testing import PASSWORD, Gateway
from inventory.entrypoints import demo_data
from inventory.entrypoints.seed import seed
from tests.e2e.stack import fresh_inventory, inventory_behind_gateway

pytestmark = pytest.mark.e2e

PLACEHOLDER = "replace-me-with-secrets-token-hex-32"


# --- §10 scenario 23: boot guards ---------------------------------------------------------------


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Valid settings for the gateway, inbound and dispatcher; each test breaks one variable."""
    for variable in list(os.environ):
        if variable.startswith(("SENTRY_", "DISPATCHER_", "TRUST_PROXY", "API_BIND_HOST", "SERVICE_")):
            monkeypatch.delenv(variable)
    keys = generate_identity_keys()
    monkeypatch.setenv("DATABASE_URL", "postgresql://svc@127.0.0.1:5433/svc")
    for variable in ("JWT_SECRET", "SENTRY_TOKEN_PEPPER", "SENTRY_PUBSUB_HMAC_KEY", "REDIS_PASSWORD"):
        monkeypatch.setenv(variable, uuid.uuid4().hex + uuid.uuid4().hex)
    monkeypatch.setenv("SENTRY_INTERNAL_SIGNING_KEY", keys.private_setting)
    monkeypatch.setenv("SENTRY_INTERNAL_VERIFY_KEY", keys.public_setting)
    monkeypatch.setenv("SENTRY_ENCRYPTION_KEY", "hbZ2bcGgRF3b6sFHoV3rJm5Vv9ETdwN2n1ZyX1PqKZc=")
    return monkeypatch


def _boots(settings_type: type[ServiceSettings], monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> bool:
    monkeypatch.setenv(variable, value)
    try:
        load_settings(settings_type)
    except BootError as error:
        refusal = str(error)
    else:
        return True
    assert variable in refusal  # the refusal names the variable
    return False


RANDOM_32 = secrets.token_hex(16)


@pytest.mark.parametrize(
    ("value", "boots"), [("x", False), (PLACEHOLDER, False), (RANDOM_32[:31], False), (RANDOM_32, True)]
)
def test_the_token_pepper_is_judged_at_boot(environment: pytest.MonkeyPatch, value: str, boots: bool) -> None:
    assert _boots(GatewaySettings, environment, "SENTRY_TOKEN_PEPPER", value) is boots


@pytest.mark.parametrize(("value", "boots"), [("6", False), ("0", False), ("abc", False), ("7", True)])
def test_the_inbound_retention_floor(environment: pytest.MonkeyPatch, value: str, boots: bool) -> None:
    variable = "SENTRY_INBOUND_SOURCE_PAYLOAD_RETENTION_DAYS"
    assert _boots(inbound.settings.Settings, environment, variable, value) is boots


@pytest.mark.parametrize(
    ("value", "boots"),
    [("15", False), ("0", False), ("4097", False), ("abc", False), ("16", True), ("4096", True)],
)
def test_the_inbound_body_cap_range(environment: pytest.MonkeyPatch, value: str, boots: bool) -> None:
    assert _boots(inbound.settings.Settings, environment, "SENTRY_INBOUND_MAX_BODY_KB", value) is boots


@pytest.mark.parametrize("value", ["0", "-1", "abc", "10000000000"])
def test_the_dispatcher_pending_cap_out_of_range(environment: pytest.MonkeyPatch, value: str) -> None:
    assert not _boots(dispatcher.settings.Settings, environment, "DISPATCHER_MAX_PENDING_HARD_CAP", value)


def test_http_and_internal_webhooks_together_are_refused(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("SENTRY_ALLOW_INTERNAL_WEBHOOKS", "true")
    assert not _boots(dispatcher.settings.Settings, environment, "SENTRY_ALLOW_HTTP_WEBHOOKS", "true")


def test_proxy_trust_on_an_open_bind_needs_the_override(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("TRUST_PROXY", "true")
    assert not _boots(GatewaySettings, environment, "API_BIND_HOST", "0.0.0.0")
    assert _boots(GatewaySettings, environment, "SENTRY_ALLOW_OPEN_BIND", "1")


def test_a_refused_gateway_process_exits_1_naming_the_variable_before_it_listens(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("SENTRY_TOKEN_PEPPER", PLACEHOLDER)
    finished = subprocess.run(
        [sys.executable, "-m", "gateway"], env=dict(os.environ), capture_output=True, text=True, timeout=60, check=False
    )
    assert finished.returncode == 1
    assert "SENTRY_TOKEN_PEPPER" in finished.stderr
    assert PLACEHOLDER not in finished.stderr + finished.stdout  # even a refused secret is not echoed


# --- Part N: through the gateway in front of the seeded inventory -----------------------------------


@dataclass(frozen=True)
class Stack:
    gateway: Gateway
    admin: dict[str, str]
    scoped: dict[str, str]  # a USER whose warehouse_ids are the seeded warehouse alone
    home: int  # the seeded warehouse (Part N's warehouse 1; ids are not reset between runs)
    w2: dict[str, Any]  # the warehouse 2 fixture's ids


async def _created(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code in (200, 201), f"{path}: {response.text}"
    created: dict[str, Any] = response.json()
    return created


async def _warehouse_2(client: httpx.AsyncClient) -> dict[str, Any]:
    """Part N's fixture: a second warehouse with one zone, bin W2-BIN-01, PO PO-W2-UNIQUE and an item
    whose only preferred bin is there."""
    warehouse = await _created(client, "/api/admin/warehouses", {"warehouse_code": "W2", "warehouse_name": "Two"})
    warehouse_id = warehouse["warehouse_id"]
    zone = await _created(
        client,
        "/api/admin/zones",
        {"warehouse_id": warehouse_id, "zone_code": "W2Z", "zone_name": "W2 zone", "zone_type": "STORAGE"},
    )
    bin_ = await _created(
        client,
        "/api/admin/bins",
        {
            "warehouse_id": warehouse_id,
            "zone_id": zone["zone_id"],
            "bin_code": "W2-BIN-01",
            "bin_barcode": "W2-BIN-01-BC",
        },
    )
    item = await _created(client, "/api/admin/items", {"sku": "W2-ONLY-SKU", "item_name": "Only in two"})
    await _created(client, "/api/putaway/update-preferred", {"item_id": item["item_id"], "bin_id": bin_["bin_id"]})
    await _created(
        client,
        "/api/admin/purchase-orders",
        {
            "po_number": "PO-W2-UNIQUE",
            "warehouse_id": warehouse_id,
            "lines": [{"item_id": item["item_id"], "quantity_ordered": 5}],
        },
    )
    return {"warehouse_id": warehouse_id, "bin_id": bin_["bin_id"], "item_id": item["item_id"]}


@pytest.fixture(scope="module")
async def stack() -> AsyncIterator[Stack]:
    keys = generate_identity_keys()
    inventory_settings = await fresh_inventory(keys)
    await seed(inventory_settings)
    async with inventory_behind_gateway(keys, inventory_settings) as gateway:
        admin = await gateway.bearer()
        async with gateway.client(headers=admin) as client:
            listed = (await client.get("/api/warehouses/list")).json()["warehouses"]
            home = next(w["id"] for w in listed if w["code"] == demo_data.WAREHOUSE_CODE)
            w2 = await _warehouse_2(client)
        await gateway.add_user("scoped", warehouse_ids=[home], allowed_functions=["receive", "putaway", "pick"])
        yield Stack(gateway, admin, await gateway.bearer("scoped"), home, w2)


async def test_n5_no_token_is_401_before_any_validation(stack: Stack) -> None:
    async with stack.gateway.client() as anonymous:
        response = await anonymous.post("/api/receiving/receive", json={})
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


async def test_n12_put_away_lists_are_scoped_by_the_warehouse_in_the_path(stack: Stack) -> None:
    async with stack.gateway.client(headers=stack.scoped) as scoped:
        foreign = await scoped.get("/api/putaway/pending/999")
        assert foreign.status_code == 403
        assert "Access denied" in foreign.json()["error"]
        assert (await scoped.get(f"/api/putaway/pending/{stack.home}")).status_code == 200
        assert (await scoped.get("/api/putaway/pending/abc")).status_code in (400, 404)
    async with stack.gateway.client(headers=stack.admin) as admin:
        assert (await admin.get("/api/putaway/pending/999")).status_code != 403


async def test_n41_records_of_another_warehouse_look_missing_to_a_scoped_user(stack: Stack) -> None:
    async with stack.gateway.client(headers=stack.scoped) as scoped:
        for path in ("/api/receiving/po/PO-W2-UNIQUE", "/api/lookup/bin/W2-BIN-01-BC"):
            hidden, missing = await scoped.get(path), await scoped.get(path.replace("W2", "NOPE"))
            assert (hidden.status_code, missing.status_code) == (404, 404), path
        assert (await scoped.get("/api/lookup/item/search", params={"q": "W2-ONLY"})).json() in ([], {"items": []})
        moved = await scoped.post(
            "/api/putaway/update-preferred", json={"item_id": stack.w2["item_id"], "bin_id": stack.w2["bin_id"]}
        )
        assert moved.status_code == 403
        assert "Access denied" in moved.json()["error"]
    async with stack.gateway.client(headers=stack.admin) as admin:
        assert (await admin.get("/api/receiving/po/PO-W2-UNIQUE")).status_code == 200
        found = (await admin.get("/api/lookup/item/search", params={"q": "W2-ONLY"})).json()
        assert "W2-ONLY-SKU" in str(found)
        again = await admin.post(
            "/api/putaway/update-preferred", json={"item_id": stack.w2["item_id"], "bin_id": stack.w2["bin_id"]}
        )
        assert again.status_code == 200


async def test_10_warehouse_scope_is_judged_across_query_and_body(stack: Stack) -> None:
    w2 = stack.w2["warehouse_id"]
    async with stack.gateway.client(headers=stack.scoped) as scoped:
        denied = await scoped.get("/api/admin/zones", params={"warehouse_id": w2})
        assert denied.status_code == 403  # admin path: refused before anything else
        foreign = await scoped.get(f"/api/putaway/pending/{w2}")
        assert foreign.status_code == 403
        mismatch = await scoped.post(f"/api/putaway/confirm?warehouse_id={stack.home}", json={"warehouse_id": w2})
        assert mismatch.status_code == 400
        assert mismatch.json()["error"] == "warehouse_id mismatch across request"


async def test_n44_users_never_reach_admin_routes(stack: Stack) -> None:
    async with stack.gateway.client(headers=stack.scoped) as scoped:
        for method, path in (("GET", "/api/admin/items"), ("POST", "/api/admin/items"), ("GET", "/api/admin/users")):
            response = await scoped.request(method, path, json={} if method == "POST" else None)
            assert response.status_code == 403, path
            assert response.json()["error"] == "Forbidden"


async def test_scanner_functions_are_enforced_by_the_server_against_the_real_service(stack: Stack) -> None:
    async with stack.gateway.client(headers=stack.scoped) as scoped:
        refused = await scoped.post("/api/shipping/fulfill", json={"so_id": 1})
        assert refused.status_code == 403
        assert refused.json()["code"] == "function_not_allowed"
        me = (await scoped.get("/api/auth/me")).json()
    assert me["allowed_functions"] == ["receive", "putaway", "pick"]


async def test_n54_bodies_are_json_and_unknown_fields_are_named(stack: Stack) -> None:
    async with stack.gateway.client(headers=stack.admin) as admin:
        unknown = await admin.post("/api/receiving/receive", json={"po_id": 1, "items": [], "colour": "red"})
        assert unknown.status_code == 400
        assert unknown.json()["error"] == "validation_error"
        named = [(d["type"], d["loc"]) for d in unknown.json()["details"]]
        assert ("extra_forbidden", ["colour"]) in named
        for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
            headers = {"Content-Type": content_type} if content_type else {}
            refused = await admin.post("/api/receiving/receive", content=b'{"po_id": 1}', headers=headers)
            assert refused.status_code == 415, content_type
            assert refused.json()["error"] == "unsupported_media_type"
        charset = await admin.post(
            "/api/receiving/receive",
            content=b'{"po_id": 9999, "items": [{"item_id": 1, "quantity": 1, "bin_id": 1}]}',
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        assert charset.status_code == 404  # accepted as JSON; the PO does not exist


async def test_n45_me_lists_functions_by_role_and_drops_pack_when_packing_is_off(stack: Stack) -> None:
    gateway = stack.gateway
    await gateway.add_user("packer", warehouse_ids=[stack.home], allowed_functions=["pick", "pack"])
    packer = await gateway.bearer("packer", PASSWORD)
    async with gateway.client(headers=stack.admin) as admin, gateway.client(headers=packer) as as_packer:
        me = (await admin.get("/api/auth/me")).json()
        assert me["allowed_functions"] == ["receive", "putaway", "pick", "pack", "ship", "count", "transfer"]
        assert me["require_packing"] is True
        assert (await as_packer.get("/api/auth/me")).json()["allowed_functions"] == ["pick", "pack"]
        off = await admin.put("/api/admin/settings", json={"settings": {"require_packing_before_shipping": "false"}})
        assert off.status_code == 200, off.text
        try:
            assert "pack" not in (await admin.get("/api/auth/me")).json()["allowed_functions"]
            assert (await as_packer.get("/api/auth/me")).json()["allowed_functions"] == ["pick"]
        finally:
            await admin.put("/api/admin/settings", json={"settings": {"require_packing_before_shipping": "true"}})


async def test_the_public_openapi_document_includes_the_real_inventory_api(stack: Stack) -> None:
    async with stack.gateway.client() as anonymous:
        document = (await anonymous.get("/api/openapi.json")).json()
    paths = document["paths"]
    assert {"/api/auth/login", "/api/admin/users/{user_id}"} <= set(paths)  # the gateway's own
    assert {"/api/receiving/receive", "/api/lookup/item/{barcode}", "/api/admin/warehouses"} <= set(paths)
    assert [p for p in paths if not p.startswith("/api/")] == []  # probes and metrics are not public API
    assert "inventory" not in document.get("x-sentry-unavailable-services", [])
    operations = list(schemathesis.openapi.from_dict(document).get_all_operations())
    assert all(op.ok() for op in operations)  # type: ignore[union-attr]
