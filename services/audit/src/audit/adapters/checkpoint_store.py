"""Checkpoints and the leaf hashes they are computed from, in PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from audit.domain.checkpoint import SignedCheckpoint, TreeHead
from audit.domain.merkle import CompactRange
from canonical.db import Connection


@dataclass(frozen=True)
class StoredCheckpoint:
    checkpoint: SignedCheckpoint
    frontier: CompactRange


def checkpoint_from_row(row: asyncpg.Record) -> SignedCheckpoint:
    head = TreeHead(row["tree_size"], bytes(row["root_hash"]), bytes(row["head_hash"]), row["signed_at"])
    return SignedCheckpoint(head, row["key_id"], bytes(row["signature"]))


async def latest_checkpoint(connection: Connection) -> StoredCheckpoint | None:
    row = await connection.fetchrow(
        "SELECT tree_size, root_hash, head_hash, signed_at, key_id, signature, frontier"
        " FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1"
    )
    if row is None:
        return None
    return StoredCheckpoint(
        checkpoint_from_row(row), CompactRange(row["tree_size"], [bytes(n) for n in row["frontier"]])
    )


async def checkpoint_of_size(connection: Connection, tree_size: int) -> SignedCheckpoint | None:
    row = await connection.fetchrow(
        "SELECT tree_size, root_hash, head_hash, signed_at, key_id, signature FROM audit_checkpoints"
        " WHERE tree_size = $1",
        tree_size,
    )
    return None if row is None else checkpoint_from_row(row)


async def checkpoints_up_to(connection: Connection, tree_size: int) -> list[SignedCheckpoint]:
    rows = await connection.fetch(
        "SELECT tree_size, root_hash, head_hash, signed_at, key_id, signature FROM audit_checkpoints"
        " WHERE tree_size <= $1 ORDER BY tree_size",
        tree_size,
    )
    return [checkpoint_from_row(r) for r in rows]


async def save_checkpoint(connection: Connection, checkpoint: SignedCheckpoint, frontier: CompactRange) -> None:
    head = checkpoint.head
    await connection.execute(
        "INSERT INTO audit_checkpoints (tree_size, root_hash, head_hash, frontier, signed_at, key_id, signature)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        head.tree_size,
        head.root_hash,
        head.head_hash,
        frontier.nodes,
        head.signed_at,
        checkpoint.key_id,
        checkpoint.signature,
    )


async def committed_log_size(connection: Connection) -> int:
    """How far the chain went, as last committed: rows up to it are all visible to this transaction."""
    size = await connection.fetchval("SELECT last_log_id FROM audit_chain_head WHERE chain = 'main'")
    return int(size or 0)


async def row_hashes(connection: Connection, after: int, up_to: int) -> list[bytes]:
    """row_hash of log_id after+1 .. up_to, in order."""
    rows = await connection.fetch(
        "SELECT row_hash FROM audit_log WHERE log_id > $1 AND log_id <= $2 ORDER BY log_id", after, up_to
    )
    return [bytes(r["row_hash"]) for r in rows]
