"""Appends audit entries to the hash chain in PostgreSQL.

Why the chain cannot fork (see the README, "Single writer"):
- each batch is appended in the consumer's transaction, which first locks the
  one `audit_chain_head` row (SELECT ... FOR UPDATE) and reads the head only
  then, so a second writer (another replica after a rebalance, a zombie
  consumer that lost its partitions, a second partition of the same poll)
  waits and then extends the head the first one committed;
- log_id is computed from the locked head, not from a sequence, so id order
  is chain order, and the rows and the new head commit together or not at all;
- the lock is held by the audit service only: no service waits on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from audit.domain.chain import EXPORT_COLUMNS, GENESIS_HASH, AuditEntry, ChainedEntry, extend_chain
from audit.domain.names import EntityName
from canonical.db import Connection

CHAIN = "main"


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
        columns=EXPORT_COLUMNS,  # the stored row is the exported row, column for column
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


async def remember_names(
    connection: Connection, names: Sequence[EntityName], warehouses: Sequence[tuple[int, str]]
) -> None:
    """Keep the latest name of each entity and code of each warehouse seen in the events."""
    # One row per key: ON CONFLICT DO UPDATE may not touch a row twice in one statement.
    latest_names = {(n.entity_type, n.entity_id): n.name for n in names}
    if latest_names:
        await connection.execute(
            "INSERT INTO audit_entity_names (entity_type, entity_id, name)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::text[])"
            " ON CONFLICT (entity_type, entity_id) DO UPDATE SET name = EXCLUDED.name",
            [k[0] for k in latest_names],
            [k[1] for k in latest_names],
            list(latest_names.values()),
        )
    latest_codes = dict(warehouses)
    if latest_codes:
        await connection.execute(
            "INSERT INTO audit_warehouses (warehouse_id, warehouse_code)"
            " SELECT * FROM unnest($1::int[], $2::text[])"
            " ON CONFLICT (warehouse_id) DO UPDATE SET warehouse_code = EXCLUDED.warehouse_code",
            list(latest_codes),
            list(latest_codes.values()),
        )


async def first_broken_entry(connection: Connection) -> int | None:
    broken = await connection.fetchval("SELECT verify_audit_log_chain()")
    return None if broken is None else int(broken)


async def first_broken_checkpoint(connection: Connection) -> int | None:
    broken = await connection.fetchval("SELECT verify_audit_checkpoints()")
    return None if broken is None else int(broken)
