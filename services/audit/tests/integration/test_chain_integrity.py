from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from audit.adapters.chain_store import first_broken_entry

pytestmark = pytest.mark.integration

# The fixtures of conftest.py (importlib mode cannot import it for its type names).
Fill = Callable[..., Awaitable[None]]
Tamper = Callable[[str], Awaitable[None]]


async def test_sql_verification_agrees_with_the_python_hashes(audit_pool: asyncpg.Pool, fill: Fill) -> None:
    await fill(6)
    async with audit_pool.acquire() as connection:
        await connection.execute("SET TIME ZONE 'Asia/Kolkata'")  # the encoding must not depend on it
        assert await first_broken_entry(connection) is None
        assert await connection.fetchval("SELECT count(*) FROM audit_log") == 6
        # 002's one-expression audit_row_hash (also inlined in the verifier) gives 001's bytes.
        assert await connection.fetchval("SELECT bool_and(audit_row_hash(a) = a.row_hash) FROM audit_log a")


async def test_appends_in_several_transactions_stay_one_chain(audit_pool: asyncpg.Pool, fill: Fill) -> None:
    for _ in range(3):
        await fill(2)
    rows = await audit_pool.fetch("SELECT log_id, prev_hash, row_hash FROM audit_log ORDER BY log_id")
    assert [r["log_id"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert all(rows[i]["prev_hash"] == rows[i - 1]["row_hash"] for i in range(1, 6))


async def test_the_service_role_cannot_update_or_delete(audit_pool: asyncpg.Pool, fill: Fill) -> None:
    await fill(1)
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await audit_pool.execute(statement)


async def test_even_the_owner_is_stopped_by_the_guard_triggers(
    fill: Fill, admin_connection: asyncpg.Connection
) -> None:
    await fill(1)
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await admin_connection.execute("UPDATE audit_log SET actor = 'x'")


# A replayed event, re-chained as someone who knows the published encoding would: the copy of
# row 2 is appended as row 7 with correct hashes and head, after dropping the unique constraint.
REPLAY_ROW_2_AS_ROW_7 = """
    ALTER TABLE audit_log DROP CONSTRAINT audit_log_event_id_key;
    INSERT INTO audit_log
        SELECT 7, event_id, action_type, entity_type, entity_id, actor, warehouse_id, device_id, details,
               created_at, recorded_at, (SELECT row_hash FROM audit_log WHERE log_id = 6), ''::bytea
        FROM audit_log WHERE log_id = 2;
    CREATE TEMP TABLE rehashed AS SELECT audit_row_hash(a) AS h FROM audit_log a WHERE log_id = 7;
    DELETE FROM audit_log WHERE log_id = 7;  -- recomputed with the real hash below
    INSERT INTO audit_log
        SELECT 7, event_id, action_type, entity_type, entity_id, actor, warehouse_id, device_id, details,
               created_at, recorded_at, (SELECT row_hash FROM audit_log WHERE log_id = 6), (SELECT h FROM rehashed)
        FROM audit_log WHERE log_id = 2;
    UPDATE audit_chain_head SET last_log_id = 7, last_hash = (SELECT h FROM rehashed);
"""


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
    audit_pool: asyncpg.Pool, fill: Fill, tamper: Tamper, statement: str, first_bad: int
) -> None:
    await fill(6)
    await tamper(statement)
    async with audit_pool.acquire() as connection:
        assert await first_broken_entry(connection) == first_bad


async def test_a_replayed_event_is_found_even_when_correctly_rechained(
    fill: Fill, admin_connection: asyncpg.Connection
) -> None:
    await fill(6)
    # In a transaction rolled back afterwards: the dropped constraint must not outlive the test.
    transaction = admin_connection.transaction()
    await transaction.start()
    try:
        await admin_connection.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        await admin_connection.execute(REPLAY_ROW_2_AS_ROW_7)
        assert await admin_connection.fetchval("SELECT count(*) FROM audit_log") == 7
        assert await admin_connection.fetchval("SELECT verify_audit_log_chain()") == 7
    finally:
        await transaction.rollback()
