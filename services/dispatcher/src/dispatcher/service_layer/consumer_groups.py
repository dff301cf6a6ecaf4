"""Consumer-group admin (integration-security 4.5): create, change the filter, delete; each one journalled.

A group names its connector, which must be registered (400 `unknown_connector_id`);
the connector is held for the rest of the transaction so it cannot be removed
under the group being created.
"""

from __future__ import annotations

from typing import Any

from canonical.errors import Conflict
from dispatcher.adapters import connector_registry as registry
from dispatcher.adapters import consumer_groups as groups
from dispatcher.domain.connectors import UnknownConnector
from dispatcher.domain.subscriptions import SubscriptionFilter
from dispatcher.service_layer.polling import ConsumerGroupNotFound
from dispatcher.service_layer.subscriptions import Admin


def stream_of(group_id: str) -> str:
    return f"consumer_group-{group_id}"


class DuplicateConsumerGroup(Conflict):
    code = "duplicate_consumer_group_id"

    def __init__(self, group_id: str) -> None:
        super().__init__(f"Consumer group {group_id} exists already.", legacy_error="duplicate_consumer_group_id")


class ReplayWouldSkipHistory(Conflict):
    code = "replay_would_skip_history"

    def __init__(self, tombstone: dict[str, Any]) -> None:
        # Re-creating a deleted group starts again at 0: say so, and where the old one stood (V-207).
        super().__init__(
            "A group with this id was deleted; set acknowledge_replay to start it again from the beginning.",
            legacy_error="replay_would_skip_history",
            **tombstone,
        )


async def handle_create_group(
    group_id: str,
    connector_id: str | None,
    subscription: SubscriptionFilter,
    *,
    acknowledge_replay: bool,
    admin: Admin,
) -> dict[str, Any]:
    async with admin.pool.acquire() as connection, connection.transaction():
        if connector_id is not None and not await registry.hold_connector(connection, connector_id):
            raise UnknownConnector(connector_id)
        tombstone = await groups.tombstone_of(connection, group_id)
        if tombstone is not None and not acknowledge_replay:
            raise ReplayWouldSkipHistory(tombstone)
        created = await groups.insert_group(connection, group_id, connector_id, subscription.to_document())
        if not created:
            raise DuplicateConsumerGroup(group_id)
        data: dict[str, Any] = {
            "consumer_group_id": group_id,
            "connector_id": connector_id,
            "subscription": created["subscription"],
            "acknowledged_replay": tombstone is not None,
        }
        if tombstone is not None:
            data["last_cursor_at_delete"] = tombstone["last_cursor_at_delete"]
        await admin.journal.append(connection, stream_of(group_id), [("consumer_group.created", data)], admin.context)
    return created


async def handle_update_group(group_id: str, subscription: SubscriptionFilter, *, admin: Admin) -> dict[str, Any]:
    async with admin.pool.acquire() as connection, connection.transaction():
        current = await groups.get_group(connection, group_id, for_update=True)
        if current is None:
            raise ConsumerGroupNotFound(group_id)
        document = subscription.to_document()
        if current["subscription"] == document:
            return current  # nothing changes, nothing is journalled
        updated = await groups.update_group_subscription(connection, group_id, document)
        change = {"subscription": {"before": current["subscription"], "after": document}}
        await admin.journal.append(
            connection,
            stream_of(group_id),
            [("consumer_group.updated", {"consumer_group_id": group_id, "changes": change})],
            admin.context,
        )
    return updated


async def handle_delete_group(group_id: str, *, admin: Admin) -> dict[str, Any]:
    async with admin.pool.acquire() as connection, connection.transaction():
        deleted = await groups.delete_group(connection, group_id, admin.context.actor)
        if deleted is None:
            raise ConsumerGroupNotFound(group_id)
        data = {
            "consumer_group_id": group_id,
            "connector_id": deleted["connector_id"],
            "last_cursor": deleted["last_cursor"],
            "subscription_at_delete": deleted["subscription"],
        }
        await admin.journal.append(connection, stream_of(group_id), [("consumer_group.deleted", data)], admin.context)
    return {"consumer_group_id": group_id, "deleted": True}
