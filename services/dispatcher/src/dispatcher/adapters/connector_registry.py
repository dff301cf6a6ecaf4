"""The connector registry in PostgreSQL, and who references a connector.

Lock order keeps deletion and referencing serial: a delete holds the
connector's row `FOR UPDATE` while it counts references; a consumer group
being created holds it `FOR KEY SHARE`, so one waits for the other and a
connector is never deleted under a group that names it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from canonical.db import Connection
from dispatcher.domain.connectors import References

_COLUMNS = "connector_id, display_name, created_at, updated_at"


def _view(row: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


async def insert_connector(connection: Connection, connector_id: str, display_name: str) -> dict[str, Any] | None:
    """The new row, or None when the id is taken (a concurrent insert of it waits for the first to finish)."""
    row = await connection.fetchrow(
        f"INSERT INTO connectors (connector_id, display_name) VALUES ($1, $2)"  # noqa: S608
        f" ON CONFLICT DO NOTHING RETURNING {_COLUMNS}",
        connector_id,
        display_name,
    )
    return None if row is None else _view(row)


async def list_connectors(connection: Connection) -> list[dict[str, Any]]:
    rows = await connection.fetch(f"SELECT {_COLUMNS} FROM connectors ORDER BY connector_id")  # noqa: S608
    return [_view(r) for r in rows]


async def lock_connector(connection: Connection, connector_id: str) -> dict[str, Any] | None:
    """The row, locked for a change or a delete."""
    row = await connection.fetchrow(
        f"SELECT {_COLUMNS} FROM connectors WHERE connector_id = $1 FOR UPDATE",  # noqa: S608
        connector_id,
    )
    return None if row is None else _view(row)


async def hold_connector(connection: Connection, connector_id: str) -> bool:
    """Whether the connector exists; if so it cannot be deleted until the caller's transaction ends."""
    found = await connection.fetchval("SELECT true FROM connectors WHERE connector_id = $1 FOR KEY SHARE", connector_id)
    return bool(found)


async def rename_connector(connection: Connection, connector_id: str, display_name: str) -> dict[str, Any]:
    row = await connection.fetchrow(
        f"UPDATE connectors SET display_name = $2, updated_at = now() WHERE connector_id = $1"  # noqa: S608
        f" RETURNING {_COLUMNS}",
        connector_id,
        display_name,
    )
    return _view(row)


async def references_to(connection: Connection, connector_id: str) -> References:
    row = await connection.fetchrow(
        "SELECT (SELECT count(*) FROM consumer_groups WHERE connector_id = $1) AS groups,"
        " (SELECT count(*) FROM webhook_subscriptions WHERE connector_id = $1) AS subscriptions",
        connector_id,
    )
    assert row is not None  # a query of aggregates always returns its one row
    return References(int(row["groups"]), int(row["subscriptions"]))


async def delete_connector(connection: Connection, connector_id: str) -> None:
    await connection.execute("DELETE FROM connectors WHERE connector_id = $1", connector_id)
