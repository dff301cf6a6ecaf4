"""Fan-out: every consumed event is numbered in the dispatcher's log and queued for each matching subscription.

Stock and catalog events also move the inventory snapshot's positions
(domain/stock_positions.py), in the same transaction as their numbering.

Runs in the consumer's transaction, together with the event's processed mark,
so a redelivered Kafka record never queues a webhook twice nor gets a second
event_id. The body stored per delivery is what its profile sends, byte for
byte on every attempt: the CloudEvent as received (Standard Webhooks) or the
v1.7 wire envelope (Sentry profile).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from canonical.db import Connection
from canonical.events.envelope import CloudEvent
from canonical.events.registry import EventRegistry, UnknownEventType, schema_version_of
from dispatcher.adapters.delivery_store import NewDelivery, insert_first_attempts
from dispatcher.adapters.event_log import LoggedEvent, append_events
from dispatcher.adapters.stock_positions import apply_position_changes
from dispatcher.adapters.subscription_store import fanout_targets
from dispatcher.domain.stock_positions import PositionChanges
from dispatcher.domain.subscriptions import MalformedFilter, SignatureProfile, SubscriptionFilter

log = logging.getLogger(__name__)


def logged_event(event: CloudEvent, registry: EventRegistry) -> LoggedEvent:
    try:
        version = schema_version_of(event)
        aggregate_type: str | None = registry.get(event.type, version).aggregate_type
    except UnknownEventType:
        version, aggregate_type = 1, None  # a newer producer's type: still logged and delivered
    warehouse = event.warehouseid
    if warehouse is None and isinstance(event.data.get("warehouse_id"), int):
        warehouse = event.data["warehouse_id"]
    return LoggedEvent(
        cloudevent_id=event.id,
        event_type=event.type,
        event_version=version,
        event_timestamp=event.time,
        aggregate_type=aggregate_type,
        aggregate_id=event.subject,
        warehouse_id=warehouse,
        source_txn_id=event.correlationid,
        data=event.data,
    )


async def fan_out(connection: Connection, events: Sequence[CloudEvent], registry: EventRegistry) -> None:
    subscriptions: list[tuple[uuid.UUID, SubscriptionFilter, SignatureProfile]] = []
    for subscription_id, document, profile in await fanout_targets(connection):
        try:
            subscriptions.append(
                (subscription_id, SubscriptionFilter.from_document(document), SignatureProfile(profile))
            )
        except MalformedFilter as error:
            # Fail closed: an unreadable filter must not widen into "every event".
            log.error("subscription %s skipped: its filter is unreadable (%s)", subscription_id, error)
    logged = [logged_event(event, registry) for event in events]
    envelopes = await append_events(connection, logged)
    # After numbering (which serialises the log's writers): the snapshot's positions move with the log's head.
    changes = PositionChanges.of((e.event_type, e.data) for e in logged)
    if changes:
        await apply_position_changes(connection, changes)
    deliveries: list[NewDelivery] = []
    for event, envelope in zip(events, envelopes, strict=True):
        bodies = {SignatureProfile.STANDARD: event.to_json(), SignatureProfile.SENTRY_V1: envelope.to_wire_bytes()}
        deliveries += [
            NewDelivery(subscription_id, event.id, event.type, envelope.event_id, event.subject, bodies[profile])
            for subscription_id, event_filter, profile in subscriptions
            if event_filter.matches(event.type, envelope.warehouse_id)
        ]
    if deliveries:
        await insert_first_attempts(connection, deliveries)
