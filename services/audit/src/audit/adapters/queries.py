"""Read side of the audit log: the admin query, CSV rows and the verifier's export."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from audit.domain.chain import StoredEntry, format_timestamp
from audit.domain.names import EntityKey, referenced_entities, with_names
from audit.domain.query import AuditQuery
from canonical.db import Connection

_CSV_BATCH = 500
_ENTRY_SELECT = """
    SELECT entry.log_id, entry.action_type, entry.entity_type, entry.entity_id, names.name AS entity_name,
           entry.actor, entry.device_id, entry.warehouse_id, warehouses.warehouse_code, entry.details,
           entry.created_at
    FROM audit_log AS entry
    LEFT JOIN audit_entity_names AS names
           ON names.entity_type = entry.entity_type AND names.entity_id = entry.entity_id
    LEFT JOIN audit_warehouses AS warehouses ON warehouses.warehouse_id = entry.warehouse_id
"""


def _where(query: AuditQuery) -> tuple[str, list[Any]]:
    conditions: list[str] = []
    arguments: list[Any] = []
    for column, value in (
        ("entry.action_type =", query.action_type),
        ("entry.entity_type =", query.entity_type),
        ("entry.entity_id =", query.entity_id),
        ("entry.actor =", query.actor),
        ("entry.warehouse_id =", query.warehouse_id),
        ("entry.created_at >=", query.start),
        ("entry.created_at <", query.end_before),
    ):
        if value is not None:
            arguments.append(value)
            conditions.append(f"{column} ${len(arguments)}")
    return (" WHERE " + " AND ".join(conditions)) if conditions else "", arguments


def _order(query: AuditQuery) -> str:
    # The column comes from the SortKey enum, never from the request text.
    direction = "ASC" if query.ascending else "DESC"
    return f" ORDER BY entry.{query.sort.value} {direction}, entry.log_id DESC"


def entry_view(row: asyncpg.Record, details: Any) -> dict[str, Any]:
    """One entry with v1.7's field names (`username` is the actor string)."""
    return {
        "log_id": row["log_id"],
        "action_type": row["action_type"],
        "entity_type": row["entity_type"],
        "entity_id": row["entity_id"],
        "entity_name": row["entity_name"],
        "username": row["actor"],
        "device_id": row["device_id"],
        "warehouse_id": row["warehouse_id"],
        "warehouse_code": row["warehouse_code"],
        "details": details,
        "created_at": format_timestamp(row["created_at"]),
    }


async def find_entries(connection: Connection, query: AuditQuery) -> tuple[list[dict[str, Any]], int]:
    where, arguments = _where(query)
    # Only fixed column names and $n placeholders are spliced in (see _where and _order).
    count_sql = f"SELECT count(*) FROM audit_log AS entry{where}"  # noqa: S608
    total = await connection.fetchval(count_sql, *arguments)
    rows = await connection.fetch(
        f"{_ENTRY_SELECT}{where}{_order(query)} LIMIT ${len(arguments) + 1} OFFSET ${len(arguments) + 2}",
        *arguments,
        query.page.per_page,
        query.page.offset,
    )
    return await _views(connection, rows), int(total)


async def entries_for_csv(pool: asyncpg.Pool, query: AuditQuery, limit: int) -> AsyncIterator[dict[str, Any]]:
    where, arguments = _where(query)
    async with pool.acquire() as connection, connection.transaction():
        cursor = await connection.cursor(f"{_ENTRY_SELECT}{where}{_order(query)} LIMIT {int(limit)}", *arguments)
        while rows := await cursor.fetch(_CSV_BATCH):
            for view in await _views(connection, rows):
                yield view


async def _views(connection: Connection, rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    """Entry views, with the names of the ids in their details looked up once for all the rows."""
    details = [json.loads(row["details"]) for row in rows]
    wanted: set[EntityKey] = set().union(*map(referenced_entities, details))
    names: dict[EntityKey, str] = {}
    if wanted:
        types, ids = zip(*wanted, strict=True)
        found = await connection.fetch(
            "SELECT names.entity_type, names.entity_id, names.name FROM audit_entity_names AS names"
            " JOIN unnest($1::text[], $2::text[]) AS wanted (entity_type, entity_id) USING (entity_type, entity_id)",
            list(types),
            list(ids),
        )
        names = {(r["entity_type"], r["entity_id"]): r["name"] for r in found}
    return [entry_view(row, with_names(d, names)) for row, d in zip(rows, details, strict=True)]


async def stored_entries(pool: asyncpg.Pool, up_to: int, batch: int = 5000) -> AsyncIterator[StoredEntry]:
    """Rows 1..up_to exactly as stored, in keyset batches (no transaction held open for the whole export)."""
    after = 0
    while after < up_to:
        rows = await pool.fetch(
            "SELECT * FROM audit_log WHERE log_id > $1 AND log_id <= $2 ORDER BY log_id LIMIT $3", after, up_to, batch
        )
        if not rows:
            return
        for row in rows:
            yield stored_entry(row)
        after = rows[-1]["log_id"]


def stored_entry(row: asyncpg.Record) -> StoredEntry:
    return StoredEntry(
        log_id=row["log_id"],
        event_id=str(row["event_id"]),
        action_type=row["action_type"],
        entity_type=row["entity_type"],
        entity_id=row["entity_id"],
        actor=row["actor"],
        warehouse_id=row["warehouse_id"],
        device_id=row["device_id"],
        details=row["details"],
        created_at=format_timestamp(row["created_at"]),
        recorded_at=format_timestamp(row["recorded_at"]),
        prev_hash=bytes(row["prev_hash"]),
        row_hash=bytes(row["row_hash"]),
    )
