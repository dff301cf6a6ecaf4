import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from audit.adapters.chain_store import append_to_chain, first_broken_entry
from audit.domain.chain import AuditEntry

pytestmark = pytest.mark.integration


def entry(n: int) -> AuditEntry:
    return AuditEntry(
        event_id=str(uuid.uuid4()),
        action_type="WAREHOUSE_CREATE",
        entity_type="WAREHOUSE",
        entity_id=f"warehouse-{n}",
        actor="admin",
        warehouse_id=n if n % 2 else None,
        device_id="scanner-1" if n % 3 == 0 else None,
        details={"n": n, "note": "ünïcode ✓", "nested": {"z": [1, 2], "a": None}},
        created_at=datetime(2026, 1, 1, 0, 0, n, 123456, tzinfo=UTC),
    )


async def fill(pool: asyncpg.Pool, count: int) -> None:
    async with pool.acquire() as connection, connection.transaction():
        await append_to_chain(connection, [entry(n) for n in range(1, count + 1)])


async def tamper(admin: asyncpg.Connection, statement: str) -> None:
    # What someone with owner/superuser rights could do behind the service's back.
    await admin.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
    try:
        await admin.execute(statement)
    finally:
        await admin.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")


async def test_sql_verification_agrees_with_the_python_hashes(audit_pool: asyncpg.Pool) -> None:
    await fill(audit_pool, 6)
    async with audit_pool.acquire() as connection:
        await connection.execute("SET TIME ZONE 'Asia/Kolkata'")  # the encoding must not depend on it
        assert await first_broken_entry(connection) is None
        assert await connection.fetchval("SELECT count(*) FROM audit_log") == 6


async def test_appends_in_several_transactions_stay_one_chain(audit_pool: asyncpg.Pool) -> None:
    for _ in range(3):
        await fill(audit_pool, 2)
    rows = await audit_pool.fetch("SELECT log_id, prev_hash, row_hash FROM audit_log ORDER BY log_id")
    assert [r["log_id"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert all(rows[i]["prev_hash"] == rows[i - 1]["row_hash"] for i in range(1, 6))


async def test_the_service_role_cannot_update_or_delete(audit_pool: asyncpg.Pool) -> None:
    await fill(audit_pool, 1)
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await audit_pool.execute(statement)


async def test_even_the_owner_is_stopped_by_the_guard_triggers(
    audit_pool: asyncpg.Pool, admin_connection: asyncpg.Connection
) -> None:
    await fill(audit_pool, 1)
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await admin_connection.execute("UPDATE audit_log SET actor = 'x'")


@pytest.mark.parametrize(
    ("statement", "first_bad"),
    [
        ("UPDATE audit_log SET details = replace(details, '\"n\":3', '\"n\":4') WHERE log_id = 3", 3),
        ("UPDATE audit_log SET device_id = 'scanner-x' WHERE log_id = 4", 4),
        ("UPDATE audit_log SET created_at = created_at + interval '1 second' WHERE log_id = 2", 2),
        ("DELETE FROM audit_log WHERE log_id = 3", 3),
        ("DELETE FROM audit_log WHERE log_id >= 5", 5),
        (
            "UPDATE audit_log SET log_id = -2 WHERE log_id = 2; UPDATE audit_log SET log_id = 2 WHERE log_id = 3;"
            " UPDATE audit_log SET log_id = 3 WHERE log_id = -2",
            2,
        ),
    ],
    ids=["edit-details", "edit-device", "edit-time", "delete-middle", "delete-tail", "reorder"],
)
async def test_tampering_is_detected_at_the_first_bad_row(
    audit_pool: asyncpg.Pool, admin_connection: asyncpg.Connection, statement: str, first_bad: int
) -> None:
    await fill(audit_pool, 6)
    await tamper(admin_connection, statement)
    async with audit_pool.acquire() as connection:
        assert await first_broken_entry(connection) == first_bad
