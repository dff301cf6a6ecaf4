"""Inclusion and consistency proofs against stored checkpoints.

Proofs are computed from the stored row hashes up to the checkpoint's size
(O(n) hashing, no tree kept in the database): fine for logs of a few million
rows; a tiled node store is the step after that. A proof computed from rows
someone altered simply fails to verify against the signed root.
"""

from __future__ import annotations

from typing import Any

from audit.adapters import checkpoint_store
from audit.domain.checkpoint import SignedCheckpoint
from audit.domain.errors import CheckpointNotFound, EntryNotCheckpointed, EntryNotFound, InvalidTreeSizes
from audit.domain.merkle import consistency_proof, inclusion_proof, leaf_hash
from canonical.db import Connection


async def _checkpoint(connection: Connection, tree_size: int | None) -> SignedCheckpoint:
    if tree_size is None:
        latest = await checkpoint_store.latest_checkpoint(connection)
        if latest is None:
            raise CheckpointNotFound("No checkpoint has been signed yet.")
        return latest.checkpoint
    checkpoint = await checkpoint_store.checkpoint_of_size(connection, tree_size)
    if checkpoint is None:
        raise CheckpointNotFound(f"No checkpoint of tree size {tree_size}.", tree_size=tree_size)
    return checkpoint


async def latest_checkpoint(connection: Connection) -> SignedCheckpoint:
    return await _checkpoint(connection, None)


async def prove_inclusion(connection: Connection, log_id: int, tree_size: int | None) -> dict[str, Any]:
    checkpoint = await _checkpoint(connection, tree_size)
    if log_id < 1 or log_id > await checkpoint_store.committed_log_size(connection):
        raise EntryNotFound(f"No audit entry {log_id}.", log_id=log_id)
    if log_id > checkpoint.tree_size:
        raise EntryNotCheckpointed(
            f"Entry {log_id} is newer than checkpoint {checkpoint.tree_size}; ask again after the next checkpoint.",
            log_id=log_id,
            tree_size=checkpoint.tree_size,
        )
    rows = await checkpoint_store.row_hashes(connection, 0, checkpoint.tree_size)
    path = inclusion_proof(log_id - 1, [leaf_hash(h) for h in rows])
    return {
        "log_id": log_id,
        "leaf_index": log_id - 1,
        "tree_size": checkpoint.tree_size,
        "row_hash": rows[log_id - 1].hex(),
        "path": [node.hex() for node in path],
        "checkpoint": checkpoint.to_json(),
    }


async def prove_consistency(connection: Connection, first: int, second: int | None) -> dict[str, Any]:
    later = await _checkpoint(connection, second)
    if first > later.tree_size:
        raise InvalidTreeSizes(f"Tree size {first} is above {later.tree_size}.", first=first, second=later.tree_size)
    earlier = await _checkpoint(connection, first)
    rows = await checkpoint_store.row_hashes(connection, 0, later.tree_size)
    path = consistency_proof(first, [leaf_hash(h) for h in rows])
    return {
        "first": first,
        "second": later.tree_size,
        "path": [node.hex() for node in path],
        "first_checkpoint": earlier.to_json(),
        "second_checkpoint": later.to_json(),
    }
