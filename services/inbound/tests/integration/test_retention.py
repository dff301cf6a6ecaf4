import asyncpg
import pytest

from inbound.adapters.retention import null_expired_payloads

pytestmark = pytest.mark.integration


async def stage(pool: asyncpg.Pool, external_id: str, age_days: int) -> None:
    await pool.execute(
        "INSERT INTO inbound_records (resource, source_system, external_id, external_version, canonical_type,"
        " canonical_id, canonical_payload, source_payload, received_via, event_id, received_at)"
        " VALUES ('customers', 'shop', $1, '1', 'customer', gen_random_uuid(), '{\"name\": \"x\"}',"
        " '{\"secret\": \"pii\"}', 'test', gen_random_uuid(), now() - make_interval(days => $2))",
        external_id,
        age_days,
    )


async def test_old_payloads_are_nulled_rows_and_canonical_data_kept(inbound_pool: asyncpg.Pool) -> None:
    await stage(inbound_pool, "old", 100)
    await stage(inbound_pool, "recent", 3)
    assert await null_expired_payloads(inbound_pool, 90) == 1
    rows = {r["external_id"]: r for r in await inbound_pool.fetch("SELECT * FROM inbound_records")}
    assert rows["old"]["source_payload"] is None
    assert rows["old"]["canonical_payload"] == {"name": "x"}
    assert rows["recent"]["source_payload"] == {"secret": "pii"}
    run = await inbound_pool.fetchrow("SELECT status, rows_nullified, retention_days FROM inbound_retention_runs")
    assert run is not None
    assert (run["status"], run["rows_nullified"], run["retention_days"]) == ("succeeded", 1, 90)
    assert await null_expired_payloads(inbound_pool, 90) == 0  # idempotent


async def test_large_backlogs_go_in_chunks(inbound_pool: asyncpg.Pool) -> None:
    await inbound_pool.execute(
        "INSERT INTO inbound_records (resource, source_system, external_id, external_version, canonical_type,"
        " canonical_id, canonical_payload, source_payload, received_via, event_id, received_at)"
        " SELECT 'customers', 'shop', 'r' || n, '1', 'customer', gen_random_uuid(), '{}', '{}', 'test',"
        " gen_random_uuid(), now() - interval '30 days' FROM generate_series(1, 1203) AS n"
    )
    assert await null_expired_payloads(inbound_pool, 7) == 1203
    assert await inbound_pool.fetchval("SELECT count(*) FROM inbound_records WHERE source_payload IS NOT NULL") == 0
