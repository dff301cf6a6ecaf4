"""Appends audit entries to the hash chain in PostgreSQL.

The chain head row is locked for the length of the writer's transaction:
only the audit consumer writes, so this serialises audit writers (no fork
even with several replicas) without locking anything on the hot path of the
services whose events are being recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime

from audit.domain.chain import GENESIS_HASH, AuditEntry, ChainedEntry, extend_chain
from canonical.db import Connection

CHAIN = "main"
_COLUMNS = (
    "log_id",
    "event_id",
    "action_type",
    "entity_type",
    "entity_id",
    "actor",
    "warehouse_id",
    "device_id",
    "details",
    "created_at",
    "recorded_at",
    "prev_hash",
    "row_hash",
)


async def append_to_chain(connection: Connection, entries: list[AuditEntry]) -> list[ChainedEntry]:
    await connection.execute(
        "INSERT INTO audit_chain_head (chain, last_log_id, last_hash) VALUES ($1, 0, $2) ON CONFLICT DO NOTHING",
        CHAIN,
        GENESIS_HASH,
    )
    head = await connection.fetchrow(
        "SELECT last_log_id, last_hash FROM audit_chain_head WHERE chain = $1 FOR UPDATE", CHAIN
    )
    assert head is not None
    chained = extend_chain(head["last_log_id"], bytes(head["last_hash"]), entries, datetime.now(UTC))
    await connection.copy_records_to_table(
        "audit_log",
        columns=_COLUMNS,
        records=[
            (
                c.log_id,
                c.entry.event_id,
                c.entry.action_type,
                c.entry.entity_type,
                c.entry.entity_id,
                c.entry.actor,
                c.entry.warehouse_id,
                c.entry.device_id,
                c.entry.canonical_details,
                c.entry.created_at,
                c.recorded_at,
                c.prev_hash,
                c.row_hash,
            )
            for c in chained
        ],
    )
    last = chained[-1]
    await connection.execute(
        "UPDATE audit_chain_head SET last_log_id = $2, last_hash = $3 WHERE chain = $1",
        CHAIN,
        last.log_id,
        last.row_hash,
    )
    return chained


async def first_broken_entry(connection: Connection) -> int | None:
    broken = await connection.fetchval("SELECT verify_audit_log_chain()")
    return None if broken is None else int(broken)
