"""Signing a checkpoint of the audit log, and emitting it for anchoring outside."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.adapters import checkpoint_store
from audit.domain.checkpoint import SignedCheckpoint, TreeHead, b64url, public_key_bytes, sign_tree_head
from audit.domain.merkle import CompactRange
from canonical.events.factory import CommandContext, new_event
from canonical.events.registry import EventRegistry
from canonical.eventstore.store import EventWriter, stream_version

AUDIT_CONTEXT = "audit"
CHECKPOINT_EVENT = "audit.checkpoint_signed"
CHECKPOINT_STREAM = "audit-log-checkpoints"
SOURCE = "/audit"
_CHECKPOINT_LOCK_KEY = 7_404_202_606  # one checkpointer at a time, whatever the number of replicas


class LogDamaged(RuntimeError):
    """The stored log is not what the chain head says: no checkpoint may vouch for it."""


async def sign_checkpoint(
    pool: asyncpg.Pool, key: Ed25519PrivateKey, writer: EventWriter, registry: EventRegistry
) -> SignedCheckpoint | None:
    """Sign the log as committed now, if it grew since the last checkpoint; emit it through the outbox.

    The checkpoint row and its event commit together, so every stored
    checkpoint is published (at least once), and none is published unstored.
    """
    async with pool.acquire() as connection, connection.transaction():
        if not await connection.fetchval("SELECT pg_try_advisory_xact_lock($1)", _CHECKPOINT_LOCK_KEY):
            return None
        latest = await checkpoint_store.latest_checkpoint(connection)
        tree = latest.frontier.copy() if latest is not None else CompactRange()
        size = await checkpoint_store.committed_log_size(connection)
        if size <= tree.size:
            return None
        new_rows = await checkpoint_store.row_hashes(connection, tree.size, size)
        if len(new_rows) != size - tree.size:
            # Never sign a log with holes: someone removed rows behind the service's back.
            raise LogDamaged(f"audit_log lacks rows between {tree.size} and {size}; run verify_audit_log_chain()")
        tree.extend_with_rows(new_rows)
        checkpoint = sign_tree_head(TreeHead(size, tree.root(), new_rows[-1], datetime.now(UTC)), key)
        await checkpoint_store.save_checkpoint(connection, checkpoint, tree)
        event_type = registry.latest(CHECKPOINT_EVENT)
        data = {**checkpoint.to_json(), "public_key": b64url(public_key_bytes(key.public_key()))}
        event = new_event(
            event_type,
            data,
            source=SOURCE,
            subject=f"checkpoint-{size}",
            context=CommandContext(request_id=f"audit-checkpoint-{size}", actor="system:audit"),
        )
        await writer.append(connection, CHECKPOINT_STREAM, await stream_version(connection, CHECKPOINT_STREAM), [event])
        return checkpoint
