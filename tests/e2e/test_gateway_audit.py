"""Identity changes made at the gateway reach the audit chain through the outbox and Kafka."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

import audit.entrypoints.app as audit_app
import audit.settings
from canonical.testing import (
    eventually,
    generate_identity_keys,
    kafka_bootstrap,
    prepare_test_database,
    require_test_database,
    serving,
    unique_topic_prefix,
    wipe_tables,
)
from gateway.entrypoints.app import create_app
from gateway.testing import Gateway, gateway_settings

pytestmark = pytest.mark.e2e

SERVICES = Path(__file__).parents[2] / "services"


async def test_logins_and_password_changes_are_audited_in_the_chain() -> None:
    keys = generate_identity_keys()
    prefix = unique_topic_prefix()
    databases = {name: require_test_database(name) for name in ("gateway", "audit")}
    for name, database in databases.items():
        await prepare_test_database(database, SERVICES / name / "migrations")
        await wipe_tables(database.admin_url)
    audit_settings = audit.settings.Settings(
        database_url=databases["audit"].app_url,
        kafka_bootstrap_servers=kafka_bootstrap(),
        kafka_topic_prefix=prefix,
        sentry_internal_verify_key=keys.public_setting,
        sentry_audit_signing_key=generate_identity_keys().private_setting,
    )
    settings = gateway_settings(databases["gateway"], keys, kafka_topic_prefix=prefix)
    async with serving(audit_app.create_app(audit_settings)), serving(create_app(settings)) as gateway_url:
        gateway = Gateway(gateway_url, databases["gateway"], keys, settings)

        async def seeded() -> bool:
            return bool(await gateway.sql("SELECT 1 FROM users"))

        await eventually(seeded)
        async with gateway.client(headers=await gateway.bearer()) as client:
            changed = await client.post(
                "/api/auth/change-password", json={"current_password": "Sturdy-Pass-42", "new_password": "Next-pass-8"}
            )
            assert changed.status_code == 200
        appended = await gateway.sql("SELECT event_id::text AS id FROM event_store ORDER BY global_position")
        assert len(appended) == 4  # user.created (seed), session.started, user.password_changed, session.revoked
        audit_db = await asyncpg.connect(databases["audit"].admin_url)
        try:

            async def all_audited() -> bool:
                ids = [r["id"] for r in appended]
                count = await audit_db.fetchval("SELECT count(*) FROM audit_log WHERE event_id = ANY($1::uuid[])", ids)
                return bool(count == len(ids))

            await eventually(all_audited, timeout_s=20)
            assert await audit_db.fetchval("SELECT verify_audit_log_chain()") is None
        finally:
            await audit_db.close()
