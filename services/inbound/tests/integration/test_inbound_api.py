from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from canonical.identity import Identity
from canonical.testing import (
    ADMIN,
    IdentityKeys,
    TestDatabase,
    generate_identity_keys,
    kafka_bootstrap,
    serving,
    unique_topic_prefix,
    wiped_pool,
)
from inbound.entrypoints.app import create_app
from inbound.settings import Settings

pytestmark = pytest.mark.integration

TEMPLATE = Path(__file__).parents[2] / "mappings" / "example-template.yaml.template"
SHOP_TOKEN = Identity(
    subject="system:wms_token:7",
    username="shop-token",
    role="TOKEN",
    extra={"source_system": "shop", "inbound_resources": ["customers", "sales_orders"]},
)
KEYS: IdentityKeys = generate_identity_keys()


def settings(database: TestDatabase, mappings: Path) -> Settings:
    return Settings(
        database_url=database.app_url,
        kafka_bootstrap_servers=kafka_bootstrap(),
        kafka_topic_prefix=unique_topic_prefix(),
        sentry_internal_verify_key=KEYS.public_setting,
        sentry_inbound_mappings_dir=mappings,
        sentry_inbound_max_body_kb=16,
    )


@pytest.fixture
def mappings(tmp_path: Path) -> Path:
    (tmp_path / "shop.yaml").write_text(
        TEMPLATE.read_text().replace("source_system: example-template", "source_system: shop")
    )
    return tmp_path


@pytest.fixture
async def inbound(inbound_database: TestDatabase, mappings: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with wiped_pool(inbound_database) as pool:
        await pool.execute("INSERT INTO inbound_source_systems (source_system, kind) VALUES ('shop', 'connector')")
    async with (
        serving(create_app(settings(inbound_database, mappings))) as base_url,
        httpx.AsyncClient(base_url=base_url, headers=KEYS.headers(SHOP_TOKEN)) as client,
    ):
        yield client


def customer(version: str = "2026-01-01T00:00:00+00:00", **payload: object) -> dict[str, object]:
    return {"external_id": "C-1", "external_version": version, "source_payload": {"name": "ACME", **payload}}


async def test_a_record_is_created_then_replayed(inbound: httpx.AsyncClient) -> None:
    created = await inbound.post("/api/v1/inbound/customers", json=customer())
    assert created.status_code == 201, created.text
    assert created.headers["x-sentry-canonical-model"] == "DRAFT-v1"
    body = created.json()
    assert body["canonical_type"] == "customer"
    assert "warning" in body
    replayed = await inbound.post("/api/v1/inbound/customers", json=customer(name="changed"))
    assert replayed.status_code == 200
    assert replayed.json()["inbound_id"] == body["inbound_id"]


async def test_an_older_version_is_stale(inbound: httpx.AsyncClient) -> None:
    await inbound.post("/api/v1/inbound/customers", json=customer("2026-02-01T00:00:00+00:00"))
    stale = await inbound.post("/api/v1/inbound/customers", json=customer("2026-01-01T00:00:00+01:00"))
    assert stale.status_code == 409
    assert stale.json()["error_kind"] == "stale_version"
    assert stale.headers["x-sentry-canonical-model"] == "DRAFT-v1"


async def test_token_scope_is_enforced(inbound: httpx.AsyncClient) -> None:
    vendors = await inbound.post("/api/v1/inbound/vendors", json=customer())
    assert (vendors.status_code, vendors.json()["error"]) == (403, "inbound_resource_scope_violation")
    as_user = await inbound.post("/api/v1/inbound/customers", json=customer(), headers=KEYS.headers(ADMIN))
    assert (as_user.status_code, as_user.json()["error"]) == (403, "cross_direction_scope_violation")


async def test_the_body_cap_counts_advertised_and_streamed_bytes(inbound: httpx.AsyncClient) -> None:
    big = customer(notes="x" * 20_000)
    assert (await inbound.post("/api/v1/inbound/customers", json=big)).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"external_id": "C-1", "external_version": "1", "source_payload": {"name": "'
        for _ in range(40):
            yield b"y" * 1024
        yield b'"}}'

    chunked = await inbound.post(
        "/api/v1/inbound/customers", content=chunks(), headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 413
    assert chunked.json() == {**chunked.json(), "error_kind": "body_too_large", "max_body_kb": 16}


async def test_malformed_requests_get_their_codes(inbound: httpx.AsyncClient) -> None:
    text = await inbound.post("/api/v1/inbound/customers", content=b"name=ACME", headers={"content-type": "text/plain"})
    assert text.status_code == 415
    extra = await inbound.post("/api/v1/inbound/customers", json={**customer(), "source_system": "erp"})
    assert (extra.status_code, extra.json()["error_kind"]) == (422, "validation_error")
    overrides = await inbound.post("/api/v1/inbound/customers", json={**customer(), "mapping_overrides": {}})
    assert (overrides.status_code, overrides.json()["error_kind"]) == (403, "feature_not_available_in_v1_7_0")
    unmapped = await inbound.post("/api/v1/inbound/customers", json=customer(name=None))
    assert (unmapped.status_code, unmapped.json()["error_kind"]) == (422, "mapping_apply_error")


async def test_the_mapping_schema_is_published(inbound: httpx.AsyncClient) -> None:
    schema = await inbound.get("/api/v1/inbound/mapping-schema")
    assert schema.headers["cache-control"] == "public, max-age=300"
    assert schema.json()["$schema"].endswith("2020-12/schema")
    assert "resources" in schema.json()["properties"]


async def test_boot_refuses_a_document_without_an_allowlist_row(inbound_database: TestDatabase, mappings: Path) -> None:
    async with wiped_pool(inbound_database):
        pass  # no allow-list row for "shop"
    with pytest.raises(RuntimeError, match="refused to start"):
        async with serving(create_app(settings(inbound_database, mappings))):
            pass


async def test_admins_manage_the_allowlist_and_read_the_activity(inbound: httpx.AsyncClient) -> None:
    admin = KEYS.headers(ADMIN)
    added = await inbound.post(
        "/api/admin/inbound/source-systems", json={"source_system": "erp", "kind": "connector"}, headers=admin
    )
    assert added.status_code == 201
    again = await inbound.post(
        "/api/admin/inbound/source-systems", json={"source_system": "erp", "kind": "connector"}, headers=admin
    )
    assert (again.status_code, again.json()["code"]) == (409, "source_system_exists")
    listed = (await inbound.get("/api/admin/inbound/source-systems", headers=admin)).json()["source_systems"]
    assert [s["source_system"] for s in listed] == ["erp", "shop"]
    assert (await inbound.delete("/api/admin/inbound/source-systems/erp", headers=admin)).status_code == 204
    assert (await inbound.delete("/api/admin/inbound/source-systems/erp", headers=admin)).status_code == 404

    created = (await inbound.post("/api/v1/inbound/customers", json=customer())).json()
    in_use = await inbound.delete("/api/admin/inbound/source-systems/shop", headers=admin)
    assert (in_use.status_code, in_use.json()["code"]) == (409, "source_system_in_use")
    entries = (await inbound.get("/api/admin/inbound/activity?resource=customers", headers=admin)).json()["entries"]
    assert [e["inbound_id"] for e in entries] == [created["inbound_id"]]
    detail = await inbound.get(f"/api/admin/inbound/activity/customers/{created['inbound_id']}", headers=admin)
    assert detail.json()["source_payload"] == {"name": "ACME"}
    refused = await inbound.get("/api/admin/inbound/activity")  # the shop's API token is no admin
    assert refused.status_code == 403
