"""Consumer groups in PostgreSQL: the server-side cursors of polling clients, and their tombstones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from canonical.db import Connection

_COLUMNS = "consumer_group_id, connector_id, last_cursor, last_heartbeat, subscription, created_at, updated_at"
HEARTBEAT_EVERY_S = 30  # v1.7 throttles the heartbeat write to once per 30 s per group


def _view(row: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


async def get_group(connection: Connection, group_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await connection.fetchrow(
        f"SELECT {_COLUMNS} FROM consumer_groups WHERE consumer_group_id = $1{lock}",  # noqa: S608
        group_id,
    )
    return None if row is None else _view(row)


async def list_groups(connection: Connection) -> list[dict[str, Any]]:
    rows = await connection.fetch(f"SELECT {_COLUMNS} FROM consumer_groups ORDER BY consumer_group_id")  # noqa: S608
    return [_view(r) for r in rows]


async def tombstone_of(connection: Connection, group_id: str) -> dict[str, Any] | None:
    row = await connection.fetchrow(
        "SELECT last_cursor_at_delete, deleted_at, deleted_by FROM consumer_groups_tombstones"
        " WHERE consumer_group_id = $1",
        group_id,
    )
    return None if row is None else _view(row)


async def insert_group(
    connection: Connection, group_id: str, connector_id: str | None, subscription: dict[str, Any]
) -> dict[str, Any]:
    await connection.execute("DELETE FROM consumer_groups_tombstones WHERE consumer_group_id = $1", group_id)
    row = await connection.fetchrow(
        f"INSERT INTO consumer_groups (consumer_group_id, connector_id, subscription) VALUES ($1, $2, $3)"  # noqa: S608
        f" ON CONFLICT DO NOTHING RETURNING {_COLUMNS}",
        group_id,
        connector_id,
        subscription,
    )
    return {} if row is None else _view(row)


async def update_group_subscription(
    connection: Connection, group_id: str, subscription: dict[str, Any]
) -> dict[str, Any]:
    """Change the filter of a group the caller has locked (`get_group(for_update=True)`)."""
    row = await connection.fetchrow(
        f"UPDATE consumer_groups SET subscription = $2, updated_at = now() WHERE consumer_group_id = $1"  # noqa: S608
        f" RETURNING {_COLUMNS}",
        group_id,
        subscription,
    )
    return _view(row)


async def delete_group(connection: Connection, group_id: str, deleted_by: str) -> dict[str, Any] | None:
    """The deleted group (None when there was none); its cursor stays behind in a tombstone."""
    row = await connection.fetchrow(
        f"DELETE FROM consumer_groups WHERE consumer_group_id = $1 RETURNING {_COLUMNS}",  # noqa: S608
        group_id,
    )
    if row is None:
        return None
    await connection.execute(
        "INSERT INTO consumer_groups_tombstones (consumer_group_id, last_cursor_at_delete, connector_id, deleted_by)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (consumer_group_id) DO UPDATE SET"
        " last_cursor_at_delete = EXCLUDED.last_cursor_at_delete, connector_id = EXCLUDED.connector_id,"
        " deleted_at = now(), deleted_by = EXCLUDED.deleted_by",
        group_id,
        row["last_cursor"],
        row["connector_id"],
        deleted_by,
    )
    return _view(row)


async def advance_cursor(connection: Connection, group_id: str, cursor: int) -> int:
    """Move forward only (a backward ack is a no-op); return the stored cursor."""
    stored = await connection.fetchval(
        "UPDATE consumer_groups SET last_cursor = GREATEST(last_cursor, $2), updated_at = now()"
        " WHERE consumer_group_id = $1 RETURNING last_cursor",
        group_id,
        cursor,
    )
    return int(stored)


async def heartbeat(connection: Connection, group_id: str) -> None:
    await connection.execute(
        "UPDATE consumer_groups SET last_heartbeat = now() WHERE consumer_group_id = $1"
        " AND (last_heartbeat IS NULL OR last_heartbeat < now() - make_interval(secs => $2))",
        group_id,
        HEARTBEAT_EVERY_S,
    )
