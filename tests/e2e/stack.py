"""The pieces the end-to-end tests stand their services up from, one concern each, to be composed.

A test builds only the stack it needs: a fresh database per service, the settings every service
behind the gateway shares (broker, topic prefix, the gateway's verify key), the inventory service,
a gateway that is ready for its seeded admin to log in. Each service runs its real app on its own
test database, as in production; keys and topic prefixes are fresh per stack, so tests never see
each other's tokens or events. The platform probes reuse `fresh_database`.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from cryptography.fernet import Fernet

import audit.settings
import dispatcher.settings
import inbound.settings
import inventory.entrypoints.app as inventory_app
import inventory.settings
from canonical.testing import (
    IdentityKeys,
    TestDatabase,
    eventually,
    generate_identity_keys,
    kafka_bootstrap,
    prepare_test_database,
    require_test_database,
    serving,
    unique_topic_prefix,
    wipe_tables,
)
from gateway.entrypoints.app import create_app as create_gateway_app
from gateway.testing import Gateway, gateway_settings

SERVICES = Path(__file__).parents[2] / "services"
MAPPING_TEMPLATE = SERVICES / "inbound" / "mappings" / "example-template.yaml.template"


async def fresh_database(service: str) -> TestDatabase:
    """The service's test database, migrated and emptied of the rows earlier tests left (ids are not reset)."""
    database = require_test_database(service)
    await prepare_test_database(database, SERVICES / service / "migrations")
    await wipe_tables(database.admin_url)
    return database


def behind_gateway(keys: IdentityKeys, prefix: str | None = None) -> dict[str, Any]:
    """The settings every service behind the gateway takes: the broker, a topic prefix (fresh unless
    services must share one to hear each other) and the key that verifies the gateway's identity token."""
    return {
        "kafka_bootstrap_servers": kafka_bootstrap(),
        "kafka_topic_prefix": unique_topic_prefix() if prefix is None else prefix,
        "sentry_internal_verify_key": keys.public_setting,
    }


async def fresh_inventory(keys: IdentityKeys, prefix: str | None = None) -> inventory.settings.Settings:
    """Inventory's settings on its fresh database (seed it through them before serving, if need be)."""
    database = await fresh_database("inventory")
    return inventory.settings.Settings(database_url=database.app_url, **behind_gateway(keys, prefix))


async def fresh_dispatcher(keys: IdentityKeys, prefix: str, **overrides: Any) -> dispatcher.settings.Settings:
    """The dispatcher's settings on its fresh database, with fresh encryption and pub/sub keys."""
    return dispatcher.settings.Settings(
        database_url=(await fresh_database("dispatcher")).app_url,
        sentry_encryption_key=Fernet.generate_key().decode(),
        sentry_pubsub_hmac_key=secrets.token_hex(32),
        **behind_gateway(keys, prefix),
        **overrides,
    )


async def fresh_audit(keys: IdentityKeys, prefix: str) -> audit.settings.Settings:
    """The audit service's settings on its fresh database, with a fresh checkpoint signing key."""
    return audit.settings.Settings(
        database_url=(await fresh_database("audit")).app_url,
        sentry_audit_signing_key=generate_identity_keys().private_setting,
        **behind_gateway(keys, prefix),
    )


async def erp_inbound(
    keys: IdentityKeys, prefix: str, mappings_dir: Path, **overrides: Any
) -> inbound.settings.Settings:
    """Inbound's settings on its fresh database, ready to take records from the source system `erp`:
    allow-listed as a connector, its mapping (the example template) written to `mappings_dir`.

    `prefix` is inventory's, so inventory hears and applies what inbound accepts; `overrides` are
    further inbound settings.
    """
    database = await fresh_database("inbound")
    connection = await asyncpg.connect(database.admin_url)
    try:
        await connection.execute("INSERT INTO inbound_source_systems (source_system, kind) VALUES ('erp', 'connector')")
    finally:
        await connection.close()
    mapping = MAPPING_TEMPLATE.read_text().replace("source_system: example-template", "source_system: erp")
    (mappings_dir / "erp.yaml").write_text(mapping)
    return inbound.settings.Settings(
        database_url=database.app_url,
        sentry_inbound_mappings_dir=mappings_dir,
        **behind_gateway(keys, prefix),
        **overrides,
    )


async def warehouse_with_bins(
    admin: httpx.AsyncClient, *bin_codes: str, zone_type: str = "STORAGE"
) -> tuple[int, list[int]]:
    """A fresh warehouse with one zone holding these bins, made through the admin API: (warehouse id, bin ids)."""
    code = f"W{uuid.uuid4().hex[:6]}"
    created = await admin.post("/api/admin/warehouses", json={"warehouse_code": code, "warehouse_name": code})
    assert created.status_code == 201, created.text
    warehouse_id = created.json()["warehouse_id"]
    zone = await admin.post(
        "/api/admin/zones",
        json={"warehouse_id": warehouse_id, "zone_code": "Z", "zone_name": "Zone", "zone_type": zone_type},
    )
    assert zone.status_code == 201, zone.text
    bin_ids = []
    for bin_code in bin_codes:
        body = {"warehouse_id": warehouse_id, "zone_id": zone.json()["zone_id"], "bin_code": bin_code}
        made = await admin.post("/api/admin/bins", json={**body, "bin_barcode": bin_code})
        assert made.status_code == 201, made.text
        bin_ids.append(made.json()["bin_id"])
    return warehouse_id, bin_ids


async def until_ready(url: str) -> None:
    """The service at `url` answers /readyz: its database is reachable and it joined Kafka."""
    async with httpx.AsyncClient(base_url=url) as client:

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await eventually(ready, timeout_s=30)


@asynccontextmanager
async def served_gateway(keys: IdentityKeys, **overrides: Any) -> AsyncIterator[Gateway]:
    """The gateway on a fresh database, yielded once it has seeded its admin (so `bearer()` works).

    `overrides` are gateway settings, typically the URLs of the upstreams the test serves.
    """
    database = await fresh_database("gateway")
    settings = gateway_settings(database, keys, **overrides)
    async with serving(create_gateway_app(settings)) as url:
        gateway = Gateway(url, database, keys, settings)

        async def seeded() -> bool:
            return bool(await gateway.sql("SELECT 1 FROM users"))

        await eventually(seeded)
        yield gateway


@asynccontextmanager
async def inventory_behind_gateway(keys: IdentityKeys, settings: inventory.settings.Settings) -> AsyncIterator[Gateway]:
    """Inventory served with `settings`, a gateway in front of it (`gateway.settings.inventory_url`)."""
    async with (
        serving(inventory_app.create_app(settings)) as inventory_url,
        served_gateway(keys, inventory_url=inventory_url) as gateway,
    ):
        yield gateway
