"""Connector registry commands (integration-security 4.5): register, rename, remove; each one journalled."""

from __future__ import annotations

from typing import Any

from dispatcher.adapters import connector_registry as registry
from dispatcher.domain.connectors import ConnectorInUse, ConnectorNotFound, DuplicateConnector
from dispatcher.service_layer.subscriptions import Admin


def stream_of(connector_id: str) -> str:
    return f"connector-{connector_id}"


async def handle_register_connector(connector_id: str, display_name: str, *, admin: Admin) -> dict[str, Any]:
    async with admin.pool.acquire() as connection, connection.transaction():
        created = await registry.insert_connector(connection, connector_id, display_name)
        if created is None:
            raise DuplicateConnector(connector_id)
        await admin.journal.append(
            connection,
            stream_of(connector_id),
            [("connector_registry.created", {"connector_id": connector_id, "display_name": display_name})],
            admin.context,
        )
    return created


async def handle_rename_connector(connector_id: str, display_name: str, *, admin: Admin) -> dict[str, Any]:
    async with admin.pool.acquire() as connection, connection.transaction():
        current = await registry.lock_connector(connection, connector_id)
        if current is None:
            raise ConnectorNotFound(connector_id)
        if current["display_name"] == display_name:
            return current  # nothing changes, nothing is journalled
        renamed = await registry.rename_connector(connection, connector_id, display_name)
        change = {"display_name": {"before": current["display_name"], "after": display_name}}
        await admin.journal.append(
            connection,
            stream_of(connector_id),
            [("connector_registry.updated", {"connector_id": connector_id, "changes": change})],
            admin.context,
        )
    return renamed


async def handle_remove_connector(connector_id: str, *, admin: Admin) -> dict[str, Any]:
    async with admin.pool.acquire() as connection, connection.transaction():
        current = await registry.lock_connector(connection, connector_id)
        if current is None:
            raise ConnectorNotFound(connector_id)
        references = await registry.references_to(connection, connector_id)
        if references:
            raise ConnectorInUse(references)
        await registry.delete_connector(connection, connector_id)
        await admin.journal.append(
            connection,
            stream_of(connector_id),
            [("connector_registry.deleted", {"connector_id": connector_id, "display_name": current["display_name"]})],
            admin.context,
        )
    return {"connector_id": connector_id, "deleted": True}
