import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest

from canonical.events.envelope import CloudEvent
from canonical.events.registry import topic_name
from canonical.identity import Identity
from canonical.testing import (
    ADMIN,
    IdentityKeys,
    TestDatabase,
    eventually,
    generate_identity_keys,
    kafka_bootstrap,
    publish,
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


def settings(database: TestDatabase, mappings: Path, *, apply_wait_ms: int = 0) -> Settings:
    """No inventory runs in this suite: by default a POST answers 202 at once instead of waiting for it."""
    return Settings(
        database_url=database.app_url,
        kafka_bootstrap_servers=kafka_bootstrap(),
        kafka_topic_prefix=unique_topic_prefix(),
        sentry_internal_verify_key=KEYS.public_setting,
        sentry_inbound_mappings_dir=mappings,
        sentry_inbound_max_body_kb=16,
        inbound_apply_wait_ms=apply_wait_ms,
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


async def test_a_record_is_accepted_then_replayed(inbound: httpx.AsyncClient) -> None:
    created = await inbound.post("/api/v1/inbound/customers", json=customer())
    assert created.status_code == 202, created.text  # nobody applies it in this suite: pending past the bound
    assert created.headers["x-sentry-canonical-model"] == "DRAFT-v1"
    body = created.json()
    assert (body["canonical_type"], body["apply_state"]) == ("customer", "pending")
    assert created.headers["location"] == body["status_url"] == f"/api/v1/inbound/customers/{body['inbound_id']}"
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


def outcome_event(event_type: str, inbound_id: int, canonical_id: str, **data: object) -> bytes:
    """What inventory emits once it has applied (or refused) a record."""
    about = {"inbound_id": inbound_id, "resource": "customers", "canonical_type": "customer"}
    return CloudEvent(
        source="/sentry-wms/inventory",
        type=event_type,
        subject=f"canonical-customer-{canonical_id}",
        data={**about, "canonical_id": canonical_id, **data},
    ).to_json()


@dataclass
class Waiting:
    client: httpx.AsyncClient
    pool: asyncpg.Pool
    topic: str

    async def staged(self, external_id: str) -> tuple[int, str]:
        """The inbound id and canonical id of a record once its POST has staged it."""
        row = await eventually(
            lambda: self.pool.fetchrow(
                "SELECT inbound_id, canonical_id FROM inbound_records WHERE external_id = $1", external_id
            )
        )
        return int(row["inbound_id"]), str(row["canonical_id"])


@pytest.fixture
async def waiting(inbound_database: TestDatabase, mappings: Path) -> AsyncIterator[Waiting]:
    """The service with a generous apply bound and its outcome consumer on fresh topics."""
    service_settings = settings(inbound_database, mappings, apply_wait_ms=30_000)
    async with wiped_pool(inbound_database) as pool:
        await pool.execute("INSERT INTO inbound_source_systems (source_system, kind) VALUES ('shop', 'connector')")
        async with (
            serving(create_app(service_settings)) as base_url,
            httpx.AsyncClient(base_url=base_url, headers=KEYS.headers(SHOP_TOKEN), timeout=40) as client,
        ):
            yield Waiting(client, pool, topic_name(service_settings.kafka_topic_prefix, "inbound"))


async def test_the_post_answers_once_the_owning_service_applied_the_record(waiting: Waiting) -> None:
    posting = asyncio.create_task(waiting.client.post("/api/v1/inbound/customers", json=customer()))
    inbound_id, canonical_id = await waiting.staged("C-1")
    await asyncio.sleep(0.3)
    assert not posting.done()  # it waits for the outcome, not for a timer
    await publish(
        waiting.topic,
        outcome_event("inbound.record_applied", inbound_id, canonical_id, local_id=None, action="created"),
    )
    created = await posting
    assert created.status_code == 201, created.text
    assert (created.json()["inbound_id"], created.json()["apply_state"]) == (inbound_id, "applied")
    status = (await waiting.client.get(created.json()["status_url"])).json()
    assert (status["apply_state"], status["apply_action"], status["status"]) == ("applied", "created", "applied")


async def test_a_record_the_owning_service_refuses_is_a_visible_rejection(waiting: Waiting) -> None:
    posting = asyncio.create_task(waiting.client.post("/api/v1/inbound/customers", json=customer()))
    inbound_id, canonical_id = await waiting.staged("C-1")
    failed = outcome_event(
        "inbound.record_apply_failed", inbound_id, canonical_id, code="party_name_required", message="No name."
    )
    await publish(waiting.topic, failed, failed)  # redelivered: marked once
    refused = await posting
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert (body["error_kind"], body["reason"], body["inbound_id"]) == (
        "rejected_on_apply",
        "party_name_required",
        inbound_id,
    )
    status = (await waiting.client.get(body["status_url"])).json()
    assert status["apply_state"] == "rejected"
    assert status["apply_error"] == {"code": "party_name_required", "message": "No name."}
    replayed = await waiting.client.post("/api/v1/inbound/customers", json=customer())
    assert (replayed.status_code, replayed.json()["apply_state"]) == (200, "rejected")
    admin = KEYS.headers(ADMIN)
    listed = await waiting.client.get("/api/admin/inbound/activity?apply_state=rejected", headers=admin)
    assert [(e["inbound_id"], e["apply_error_code"]) for e in listed.json()["entries"]] == [
        (inbound_id, "party_name_required")
    ]
    none_pending = await waiting.client.get("/api/admin/inbound/activity?apply_state=pending", headers=admin)
    assert none_pending.json()["entries"] == []
    newer = await waiting.client.post(
        "/api/v1/inbound/customers", json=customer("2026-02-01T00:00:00+00:00"), headers={"Prefer": "respond-async"}
    )
    assert newer.status_code == 202
    [shop] = (await waiting.client.get("/api/admin/inbound/counters", headers=admin)).json()["source_systems"]
    counted = {"received": 2, "superseded": 1, "pending": 1, "applied": 0, "rejected": 1}
    assert (shop["source_system"], shop["totals"]) == ("shop", counted)
    assert shop["resources"]["customers"] == {**counted, "last_received_at": shop["last_received_at"]}
    later = await waiting.client.get("/api/admin/inbound/counters?since=2999-01-01T00:00:00Z", headers=admin)
    assert later.json()["source_systems"][0]["resources"] == {}


async def test_prefer_respond_async_answers_at_once_and_the_status_url_follows(waiting: Waiting) -> None:
    started = asyncio.get_running_loop().time()
    queued = await waiting.client.post(
        "/api/v1/inbound/customers", json=customer(), headers={"Prefer": "wait=10, respond-async"}
    )
    assert asyncio.get_running_loop().time() - started < 5
    assert queued.status_code == 202, queued.text
    assert queued.headers["preference-applied"] == "respond-async"
    body = queued.json()
    pending = await waiting.client.get(queued.headers["location"])
    assert (pending.status_code, pending.json()["apply_state"]) == (200, "pending")
    await publish(
        waiting.topic,
        outcome_event(
            "inbound.record_applied", body["inbound_id"], body["canonical_id"], local_id=None, action="created"
        ),
    )

    async def applied() -> bool:
        return bool((await waiting.client.get(body["status_url"])).json()["apply_state"] == "applied")

    await eventually(applied)


async def test_the_status_url_is_only_for_the_records_own_source_and_resource(waiting: Waiting) -> None:
    queued = (
        await waiting.client.post("/api/v1/inbound/customers", json=customer(), headers={"Prefer": "respond-async"})
    ).json()
    other_source = Identity(
        subject="system:wms_token:8",
        username="erp-token",
        role="TOKEN",
        extra={"source_system": "erp", "inbound_resources": ["customers"]},
    )
    foreign = await waiting.client.get(queued["status_url"], headers=KEYS.headers(other_source))
    assert foreign.status_code == 404
    wrong_resource = await waiting.client.get(f"/api/v1/inbound/sales_orders/{queued['inbound_id']}")
    assert wrong_resource.status_code == 404
    scoped_out = await waiting.client.get(f"/api/v1/inbound/vendors/{queued['inbound_id']}")
    assert scoped_out.status_code == 403
    out_of_range = await waiting.client.get("/api/v1/inbound/customers/99999999999999999999")
    assert out_of_range.status_code == 400
