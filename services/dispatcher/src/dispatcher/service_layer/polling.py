"""Polling (`/api/v1/events`): reads by cursor and acks, alone or through a consumer group."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from canonical.errors import Conflict, Forbidden, NotFound
from dispatcher.adapters import consumer_groups as groups
from dispatcher.adapters.event_log import EventQuery, horizon, outside_scope_between, read_events
from dispatcher.domain.polling import AckScopeViolation, CursorBeyondHorizon, EventScope, next_cursor
from dispatcher.domain.subscriptions import MalformedFilter, SubscriptionFilter


class ConsumerGroupNotFound(NotFound):
    code = "consumer_group_not_found"

    def __init__(self, group_id: str) -> None:
        super().__init__(f"Consumer group {group_id} does not exist.", legacy_error="consumer_group_not_found")


class ConsumerGroupScopeViolation(Forbidden):
    code = "consumer_group_scope_violation"

    def __init__(self) -> None:
        super().__init__("The token belongs to another connector.", legacy_error="consumer_group_scope_violation")


class SubscriptionInvalid(Conflict):
    code = "subscription_invalid"

    def __init__(self) -> None:
        super().__init__("The consumer group's stored filter cannot be read.", legacy_error="subscription_invalid")


@dataclass(frozen=True)
class PollRequest:
    after: int | None
    consumer_group: str | None
    event_types: list[str] | None
    warehouse_id: int | None
    limit: int


async def handle_poll(pool: asyncpg.Pool, scope: EventScope, request: PollRequest) -> dict[str, Any]:
    wanted = scope.require(request.event_types, request.warehouse_id)
    async with pool.acquire() as connection:
        after = request.after or 0
        if request.consumer_group is not None:
            group = await groups.get_group(connection, request.consumer_group)
            if group is None:
                raise ConsumerGroupNotFound(request.consumer_group)
            try:
                group_filter = SubscriptionFilter.from_document(group["subscription"])
            except MalformedFilter:
                raise SubscriptionInvalid() from None
            wanted = wanted.narrowed(group_filter.event_types, group_filter.warehouse_ids)
            after = group["last_cursor"]
            await groups.heartbeat(connection, request.consumer_group)
        events = await read_events(
            connection,
            EventQuery(
                after,
                request.limit,
                None if wanted.event_types is None else sorted(wanted.event_types),
                None if wanted.warehouse_ids is None else sorted(wanted.warehouse_ids),
            ),
        )
    return {
        "events": [e.to_document() for e in events],
        "next_cursor": next_cursor(after, [e.event_id for e in events]),
    }


async def handle_ack(
    pool: asyncpg.Pool, scope: EventScope, connector_id: str | None, group_id: str, cursor: int
) -> dict[str, Any]:
    async with pool.acquire() as connection, connection.transaction():
        group = await groups.get_group(connection, group_id, for_update=True)
        if group is None:
            raise ConsumerGroupNotFound(group_id)
        if connector_id is not None and group["connector_id"] not in (None, connector_id):
            raise ConsumerGroupScopeViolation()
        if cursor > group["last_cursor"]:
            newest = await horizon(connection)
            if cursor > newest:
                raise CursorBeyondHorizon(newest)
            # Acking implies having been able to read (V-202).
            if await outside_scope_between(
                connection,
                group["last_cursor"],
                cursor,
                None if scope.event_types is None else sorted(scope.event_types),
                None if scope.warehouse_ids is None else sorted(scope.warehouse_ids),
            ):
                raise AckScopeViolation()
        stored = await groups.advance_cursor(connection, group_id, cursor)
    return {"consumer_group": group_id, "last_cursor": stored}
