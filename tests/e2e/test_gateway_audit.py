"""Identity changes made at the gateway reach the audit chain through the outbox and Kafka, and the
log answers through the gateway (`/api/admin/audit-log`): v1.7 entries, filters, pages, order, names,
CSV, and the export the offline verifier checks."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

import audit.entrypoints.app as audit_app
import audit.settings
from audit import verify as offline_verifier
from canonical.testing import TestDatabase, eventually, generate_identity_keys, serving, unique_topic_prefix
from gateway.testing import Gateway
from tests.e2e.stack import behind_gateway, fresh_database, served_gateway

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Next-pass-8"  # the test admin's password after the first change
V17_FIELDS = {
    "log_id", "action_type", "entity_type", "entity_id", "entity_name", "username", "device_id",
    "warehouse_id", "warehouse_code", "details", "created_at",
}  # fmt: skip


@dataclass
class Stack:
    gateway: Gateway
    audit_database: TestDatabase


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    """Gateway and audit service on one fresh topic prefix; the gateway forwards the audit API to it."""
    keys = generate_identity_keys()
    prefix = unique_topic_prefix()
    audit_database = await fresh_database("audit")
    audit_settings = audit.settings.Settings(
        database_url=audit_database.app_url,
        sentry_audit_signing_key=generate_identity_keys().private_setting,
        audit_checkpoint_interval_s=1,
        **behind_gateway(keys, prefix),
    )
    async with (
        serving(audit_app.create_app(audit_settings)) as audit_url,
        served_gateway(keys, kafka_topic_prefix=prefix, audit_url=audit_url) as gateway,
    ):
        yield Stack(gateway, audit_database)


async def change_admin_password(gateway: Gateway) -> None:
    async with gateway.client(headers=await gateway.bearer()) as client:
        changed = await client.post(
            "/api/auth/change-password", json={"current_password": "Sturdy-Pass-42", "new_password": NEW_PASSWORD}
        )
        assert changed.status_code == 200, changed.text


async def audited_event_ids(gateway: Gateway) -> list[str]:
    return [r["id"] for r in await gateway.sql("SELECT event_id::text AS id FROM event_store ORDER BY global_position")]


async def test_logins_and_password_changes_are_audited_in_the_chain(stack: Stack) -> None:
    await change_admin_password(stack.gateway)
    appended = await audited_event_ids(stack.gateway)
    assert len(appended) == 4  # user.created (seed), session.started, user.password_changed, session.revoked
    audit_db = await asyncpg.connect(stack.audit_database.admin_url)
    try:

        async def all_audited() -> bool:
            count = await audit_db.fetchval("SELECT count(*) FROM audit_log WHERE event_id = ANY($1::uuid[])", appended)
            return bool(count == len(appended))

        await eventually(all_audited, timeout_s=20)
        assert await audit_db.fetchval("SELECT verify_audit_log_chain()") is None
    finally:
        await audit_db.close()


async def test_the_query_api_csv_and_export_answer_through_the_gateway(stack: Stack, tmp_path: Path) -> None:
    gateway = stack.gateway
    await change_admin_password(gateway)
    admin = await gateway.bearer(password=NEW_PASSWORD)
    async with gateway.client(headers=admin, timeout=30) as client:
        created = await client.post(
            "/api/admin/users", json={"username": "picker1", "password": "Sturdy-Pass-42", "role": "USER"}
        )
        assert created.status_code == 201, created.text
        expected = len(await audited_event_ids(gateway))

        async def listed(**params: Any) -> dict[str, Any]:
            response = await client.get("/api/admin/audit-log", params=params)
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        async def all_visible() -> bool:
            return bool((await listed())["total"] == expected)

        await eventually(all_visible, timeout_s=20)
        body = await listed()
        assert all(set(entry) == V17_FIELDS for entry in body["entries"])
        actions = {entry["action_type"] for entry in body["entries"]}
        assert {"USER_CREATE", "SESSION_START", "SESSION_REVOKE"} <= actions
        assert actions & {"password_change", "forced_password_change_completed"}

        # Filters, the user's name resolved from the events, pages and order.
        users = (await listed(action_type="USER_CREATE", entity_type="user"))["entries"]
        assert {u["entity_name"] for u in users} == {"admin", "picker1"}
        picker = next(u for u in users if u["entity_name"] == "picker1")
        by_entity = await listed(entity_type="user", entity_id=picker["entity_id"])
        assert [e["log_id"] for e in by_entity["entries"]] == [picker["log_id"]]
        actor = picker["username"]
        assert all(e["username"] == actor for e in (await listed(user_id=actor))["entries"])
        paged = await listed(per_page=2, page=2, sort_by="created_at", sort_direction="asc")
        assert (paged["total"], paged["page"], paged["per_page"], paged["pages"]) == (
            expected,
            2,
            2,
            (expected + 1) // 2,
        )
        ordered = [datetime.fromisoformat(e["created_at"]) for e in (await listed(sort_direction="asc"))["entries"]]
        assert ordered == sorted(ordered)
        assert (await listed(start_date="2099-01-01"))["total"] == 0
        bad = await client.get("/api/admin/audit-log", params={"per_page": 5000})
        assert (bad.status_code, bad.json()["code"]) == (400, "validation_error")

        # CSV export: v1.7 columns, the same rows and order as the list.
        exported = await client.get("/api/admin/audit-log/export.csv", params={"sort_direction": "asc"})
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert [int(r["log_id"]) for r in rows] == [
            e["log_id"] for e in (await listed(sort_direction="asc"))["entries"]
        ]
        assert {r["entity_name"] for r in rows if r["action_type"] == "USER_CREATE"} == {"admin", "picker1"}

        # The verifier's export, checked offline against the public key once a checkpoint covers it.
        async def checkpointed() -> bool:
            latest = await client.get("/api/admin/audit-log/checkpoints/latest")
            return latest.status_code == 200 and latest.json()["tree_size"] == expected

        await eventually(checkpointed, timeout_s=20)
        public_key = (await client.get("/api/admin/audit-log/public-key")).json()["public_key"]
        export = await client.get("/api/admin/audit-log/export")
        assert export.status_code == 200
        (tmp_path / "audit.jsonl").write_bytes(export.content)
        assert offline_verifier.run([str(tmp_path / "audit.jsonl"), f"--public-key={public_key}"]) == 0

    async with gateway.client() as anonymous:
        assert (await anonymous.get("/api/admin/audit-log")).status_code == 401
