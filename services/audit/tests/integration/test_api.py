"""The admin API over real HTTP: query, CSV, checkpoints and proofs."""

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.domain.checkpoint import b64url
from audit.domain.verification import check_consistency_proof, check_inclusion_proof
from audit.entrypoints.app import create_app
from audit.entrypoints.chain_consumer import record_events
from audit.service_layer.checkpoints import sign_checkpoint
from audit.settings import Settings
from canonical.events.envelope import CloudEvent
from canonical.events.registry import default_registry
from canonical.eventstore.store import EventWriter
from canonical.identity import Identity
from canonical.testing import (
    ADMIN,
    TestDatabase,
    generate_identity_keys,
    kafka_bootstrap,
    serving,
    unique_topic_prefix,
)

pytestmark = pytest.mark.integration

KEYS = generate_identity_keys()
PREFIX = unique_topic_prefix()  # the served app's relay publishes the checkpoint events of these tests
WRITER = EventWriter(default_registry(), PREFIX)
PICKER = Identity(subject="u-7", username="picker", role="USER", warehouse_ids=(1,))


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


EVENTS = [
    CloudEvent(
        source="/inventory",
        type="warehouse.created",
        subject="warehouse-1",
        actor="admin",
        time=at(1),
        data={"warehouse_id": 1, "warehouse_code": "MAIN", "warehouse_name": "Main"},
    ),
    CloudEvent(
        source="/inventory",
        type="item.created",
        subject="item-5",
        actor="admin",
        warehouseid=1,
        time=at(2),
        data={"item_id": 5, "sku": "SKU-5"},
    ),
    CloudEvent(
        source="/inventory",
        type="pick.confirmed",
        subject="so-9",
        actor="picker",
        warehouseid=1,
        time=at(3),
        data={"so_number": "SO-0009", "quantity": 2, "item_id": 5, "lines": [{"item_id": 5, "bin_id": 77}]},
    ),
    CloudEvent(
        source="/inventory",
        type="pick.confirmed",
        subject="so-10",
        actor="picker",
        warehouseid=1,
        time=at(4),
        data={"quantity": 1},
    ),
    CloudEvent(
        source="/gateway",
        type="api_token.issued",
        subject="token-3",
        actor="admin",
        time=at(5),
        data={"token_id": 3},
    ),
]


@pytest.fixture
async def client(
    audit_database: TestDatabase, audit_pool: asyncpg.Pool, signing_key: Ed25519PrivateKey
) -> AsyncIterator[httpx.AsyncClient]:
    async with audit_pool.acquire() as connection, connection.transaction():
        await record_events(connection, EVENTS)
    await sign_checkpoint(audit_pool, signing_key, WRITER, default_registry())
    settings = Settings(
        database_url=audit_database.app_url,
        kafka_bootstrap_servers=kafka_bootstrap(),
        kafka_topic_prefix=PREFIX,
        sentry_internal_verify_key=KEYS.public_setting,
        sentry_audit_signing_key=b64url(signing_key.private_bytes_raw()),
        audit_checkpoint_interval_s=3600,
    )
    async with (
        serving(create_app(settings)) as base_url,
        httpx.AsyncClient(base_url=base_url, headers=KEYS.headers(ADMIN)) as http,
    ):
        yield http


async def entries(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/admin/audit-log", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_entries_carry_v17_fields_actions_and_resolved_names(client: httpx.AsyncClient) -> None:
    body = await entries(client)
    assert (body["total"], body["page"], body["per_page"], body["pages"]) == (5, 1, 50, 1)
    newest = body["entries"][0]
    assert set(newest) == {
        "log_id", "action_type", "entity_type", "entity_id", "entity_name", "username", "device_id",
        "warehouse_id", "warehouse_code", "details", "created_at",
    }  # fmt: skip
    assert [e["action_type"] for e in body["entries"]] == [
        "TOKEN_ISSUE",
        "PICK",
        "PICK",
        "ITEM_CREATE",
        "WAREHOUSE_CREATE",
    ]
    pick = body["entries"][2]
    assert (pick["entity_type"], pick["entity_id"], pick["entity_name"]) == ("SO", "so-9", "SO-0009")
    assert (pick["username"], pick["warehouse_id"], pick["warehouse_code"]) == ("picker", 1, "MAIN")
    # v1.7 shows ids in details by name (item_id -> its SKU, at any depth); an id no event named stays.
    assert pick["details"]["data"] == {
        "so_number": "SO-0009",
        "quantity": 2,
        "item": "SKU-5",
        "lines": [{"item": "SKU-5", "bin_id": 77}],
    }
    assert body["entries"][1]["entity_name"] is None  # nothing in the events names so-10
    assert body["entries"][3]["entity_name"] == "SKU-5"


async def test_filters_sorting_and_pages(client: httpx.AsyncClient) -> None:
    assert [e["log_id"] for e in (await entries(client, action_type="PICK"))["entries"]] == [4, 3]
    assert (await entries(client, user_id="picker"))["total"] == 2
    assert (await entries(client, entity_type="SO", entity_id="so-10"))["total"] == 1
    assert (await entries(client, warehouse_id=1))["total"] == 3
    assert (await entries(client, start_date="2026-03-02", end_date="2026-03-03"))["total"] == 2
    assert (await entries(client, end_date="2026-03-02T12:00:00Z"))["total"] == 2
    ascending = await entries(client, sort_by="created_at", sort_direction="asc", per_page=2, page=2)
    assert [e["log_id"] for e in ascending["entries"]] == [3, 4]
    assert (ascending["total"], ascending["pages"]) == (5, 3)
    by_action = await entries(client, sort_by="action_type", sort_direction="asc")
    assert by_action["entries"][0]["action_type"] == "ITEM_CREATE"
    unknown_sort = await entries(client, sort_by="row_hash")
    assert [e["log_id"] for e in unknown_sort["entries"]] == [5, 4, 3, 2, 1]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"per_page": 1001}, "validation_error"),
        ({"page": 0}, "validation_error"),
        ({"warehouse_id": "x"}, "validation_error"),
        ({"start_date": "yesterday"}, "invalid_date"),
        ({"end_date": "2026-13-01"}, "invalid_date"),
    ],
    ids=["per-page", "page", "warehouse", "start-date", "end-date"],
)
async def test_bad_parameters_are_a_400_with_a_code(
    client: httpx.AsyncClient, params: dict[str, Any], code: str
) -> None:
    response = await client.get("/api/admin/audit-log", params=params)
    assert response.status_code == 400
    assert response.json()["code"] == code


async def test_only_admins_may_read_the_log(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/admin/audit-log", headers=KEYS.headers(PICKER))).status_code == 403
    assert (await client.get("/api/admin/audit-log", headers={"X-Sentry-Identity": "forged"})).status_code == 401


async def test_csv_export_has_a_header_and_the_filtered_rows(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/admin/audit-log/export.csv", params={"action_type": "PICK"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["log_id"], r["entity_name"], r["warehouse_code"]) for r in rows] == [
        ("4", "", "MAIN"),
        ("3", "SO-0009", "MAIN"),
    ]
    assert json.loads(rows[1]["details"])["data"]["lines"] == [{"bin_id": 77, "item": "SKU-5"}]


async def test_checkpoint_and_proofs_verify_with_the_public_key(
    client: httpx.AsyncClient, audit_pool: asyncpg.Pool, signing_key: Ed25519PrivateKey
) -> None:
    latest = (await client.get("/api/admin/audit-log/checkpoints/latest")).json()
    assert latest["tree_size"] == 5
    assert latest["public_key"] == (await client.get("/api/admin/audit-log/public-key")).json()["public_key"]
    async with audit_pool.acquire() as connection, connection.transaction():
        await record_events(connection, [EVENTS[0].model_copy(update={"id": "00000000-0000-4000-8000-0000000000aa"})])
    await sign_checkpoint(audit_pool, signing_key, WRITER, default_registry())
    for log_id in range(1, 7):
        proof = await client.get("/api/admin/audit-log/proofs/inclusion", params={"log_id": log_id, "tree_size": 6})
        assert proof.status_code == 200, proof.text
        assert check_inclusion_proof(proof.json(), signing_key.public_key()) is None
    consistency = await client.get("/api/admin/audit-log/proofs/consistency", params={"first": 5})
    assert consistency.json()["second"] == 6
    assert check_consistency_proof(consistency.json(), signing_key.public_key()) is None


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("/proofs/inclusion", {"log_id": 99}, 404, "audit_entry_not_found"),
        ("/proofs/inclusion", {"log_id": 1, "tree_size": 4}, 404, "checkpoint_not_found"),
        ("/proofs/consistency", {"first": 9}, 400, "invalid_tree_sizes"),
        ("/proofs/consistency", {"first": 2}, 404, "checkpoint_not_found"),
        ("/proofs/inclusion", {"log_id": 0}, 400, "validation_error"),
    ],
)
async def test_proof_requests_that_cannot_be_answered_get_stable_codes(
    client: httpx.AsyncClient, path: str, params: dict[str, Any], status: int, code: str
) -> None:
    response = await client.get(f"/api/admin/audit-log{path}", params=params)
    assert (response.status_code, response.json()["code"]) == (status, code)


async def test_an_entry_newer_than_the_last_checkpoint_is_a_409(
    client: httpx.AsyncClient, audit_pool: asyncpg.Pool
) -> None:
    async with audit_pool.acquire() as connection, connection.transaction():
        await record_events(connection, [EVENTS[1].model_copy(update={"id": "00000000-0000-4000-8000-0000000000bb"})])
    response = await client.get("/api/admin/audit-log/proofs/inclusion", params={"log_id": 6})
    assert (response.status_code, response.json()["code"]) == (409, "entry_not_checkpointed")
    verify = (await client.get("/api/admin/audit-log/verify")).json()
    assert verify == {"intact": True, "first_bad_log_id": None, "first_bad_checkpoint": None}
