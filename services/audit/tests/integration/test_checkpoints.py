"""Signed checkpoints: made only when the log grew, incremental, emitted as events, anchored in SQL."""

import json
from collections.abc import Awaitable, Callable

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.adapters.chain_store import first_broken_checkpoint
from audit.domain.merkle import leaf_hash, tree_root
from audit.service_layer.checkpoints import CHECKPOINT_EVENT, LogDamaged, sign_checkpoint
from canonical.events.registry import default_registry
from canonical.eventstore.store import EventWriter

pytestmark = pytest.mark.integration

# The fixtures of conftest.py (importlib mode cannot import it for its type names).
Fill = Callable[..., Awaitable[None]]
Tamper = Callable[[str], Awaitable[None]]

WRITER = EventWriter(default_registry(), "test.")


async def checkpoint(pool: asyncpg.Pool, key: Ed25519PrivateKey) -> int | None:
    signed = await sign_checkpoint(pool, key, WRITER, default_registry())
    return None if signed is None else signed.tree_size


async def test_a_checkpoint_is_signed_only_when_the_log_grew(
    audit_pool: asyncpg.Pool, signing_key: Ed25519PrivateKey, fill: Fill
) -> None:
    assert await checkpoint(audit_pool, signing_key) is None  # empty log
    await fill(3)
    assert await checkpoint(audit_pool, signing_key) == 3
    assert await checkpoint(audit_pool, signing_key) is None
    await fill(4, start=4)
    assert await checkpoint(audit_pool, signing_key) == 7


async def test_incremental_roots_equal_the_root_of_the_whole_log_and_signatures_verify(
    audit_pool: asyncpg.Pool, signing_key: Ed25519PrivateKey, fill: Fill
) -> None:
    for start in (1, 6, 7, 20):
        await fill(5 if start != 7 else 13, start=start)
        await checkpoint(audit_pool, signing_key)
    hashes = [bytes(r["row_hash"]) for r in await audit_pool.fetch("SELECT row_hash FROM audit_log ORDER BY log_id")]
    for row in await audit_pool.fetch("SELECT * FROM audit_checkpoints ORDER BY tree_size"):
        size = row["tree_size"]
        assert bytes(row["root_hash"]) == tree_root([leaf_hash(h) for h in hashes[:size]])
        assert bytes(row["head_hash"]) == hashes[size - 1]
    async with audit_pool.acquire() as connection:
        assert await first_broken_checkpoint(connection) is None


async def test_each_checkpoint_is_emitted_through_the_outbox_with_its_public_key(
    audit_pool: asyncpg.Pool, signing_key: Ed25519PrivateKey, fill: Fill
) -> None:
    await fill(2)
    await checkpoint(audit_pool, signing_key)
    await fill(1, start=3)
    await checkpoint(audit_pool, signing_key)
    rows = await audit_pool.fetch("SELECT topic, payload FROM outbox ORDER BY id")
    assert [r["topic"] for r in rows] == ["test.audit.v1", "test.audit.v1"]
    events = [json.loads(r["payload"]) for r in rows]
    assert [e["type"] for e in events] == [CHECKPOINT_EVENT, CHECKPOINT_EVENT]
    assert [e["data"]["tree_size"] for e in events] == [2, 3]
    assert [e["sequence"] for e in events] == [1, 2]
    stored = await audit_pool.fetchval("SELECT root_hash FROM audit_checkpoints WHERE tree_size = 3")
    assert events[1]["data"]["root_hash"] == bytes(stored).hex()


async def test_the_service_role_cannot_rewrite_checkpoints(
    audit_pool: asyncpg.Pool, signing_key: Ed25519PrivateKey, fill: Fill
) -> None:
    await fill(2)
    await checkpoint(audit_pool, signing_key)
    for statement in ("UPDATE audit_checkpoints SET tree_size = 1", "DELETE FROM audit_checkpoints"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await audit_pool.execute(statement)


@pytest.mark.parametrize(
    ("statement", "first_bad"),
    [
        # swap the signed contents of two checkpoints, keeping their sizes
        (
            "UPDATE audit_checkpoints AS c SET root_hash = o.root_hash, head_hash = o.head_hash,"
            " frontier = o.frontier, signature = o.signature FROM audit_checkpoints AS o"
            " WHERE (c.tree_size, o.tree_size) IN ((3, 6), (6, 3))",
            3,
        ),
        ("UPDATE audit_checkpoints SET root_hash = sha256(root_hash) WHERE tree_size = 6", 6),
        ("DELETE FROM audit_log WHERE log_id = 3", 3),
    ],
    ids=["swap-checkpoints", "forge-root", "delete-checkpointed-row"],
)
async def test_sql_finds_the_first_checkpoint_the_log_does_not_back(
    audit_pool: asyncpg.Pool,
    signing_key: Ed25519PrivateKey,
    fill: Fill,
    tamper: Tamper,
    statement: str,
    first_bad: int,
) -> None:
    await fill(3)
    await checkpoint(audit_pool, signing_key)
    await fill(3, start=4)
    await checkpoint(audit_pool, signing_key)
    await tamper(statement)
    async with audit_pool.acquire() as connection:
        assert await first_broken_checkpoint(connection) == first_bad


async def test_a_log_with_missing_rows_is_never_signed(
    audit_pool: asyncpg.Pool, signing_key: Ed25519PrivateKey, fill: Fill, tamper: Tamper
) -> None:
    await fill(4)
    await tamper("DELETE FROM audit_log WHERE log_id = 2")
    with pytest.raises(LogDamaged):
        await checkpoint(audit_pool, signing_key)
    assert await audit_pool.fetchval("SELECT count(*) FROM audit_checkpoints") == 0
