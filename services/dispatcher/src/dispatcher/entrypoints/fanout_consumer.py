"""Kafka worker: every event of every context becomes one pending delivery per matching active subscription.

The deliveries are inserted in the consumer's transaction, together with the
event's processed mark, so a redelivered Kafka record never queues a webhook
twice. The payload stored (and later signed and sent, byte for byte) is the
CloudEvent in structured JSON mode as the envelope model serialises it: the
fields received, unknown extensions included.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from canonical.db import Connection
from canonical.events.envelope import CloudEvent
from canonical.eventstore.consumer import ConsumerConfig, IdempotentConsumer
from canonical.web.runtime import ServiceRuntime
from dispatcher.adapters.delivery_store import NewDelivery, insert_first_attempts
from dispatcher.adapters.subscription_store import active_subscription_filters
from dispatcher.domain.subscriptions import MalformedFilter, SubscriptionFilter

CONSUMER_NAME = "dispatcher-fanout"

log = logging.getLogger(__name__)


async def fan_out(connection: Connection, events: Sequence[CloudEvent]) -> None:
    subscriptions: list[tuple[uuid.UUID, SubscriptionFilter]] = []
    for subscription_id, document in await active_subscription_filters(connection):
        try:
            subscriptions.append((subscription_id, SubscriptionFilter.from_document(document)))
        except MalformedFilter as error:
            # Fail closed: an unreadable filter must not widen into "every event".
            log.error("subscription %s skipped: its filter is unreadable (%s)", subscription_id, error)
    deliveries: list[NewDelivery] = []
    for event in events:
        payload = event.to_json()
        deliveries += [
            NewDelivery(subscription_id, event.id, event.type, payload)
            for subscription_id, event_filter in subscriptions
            if event_filter.matches(event.type)
        ]
    if deliveries:
        await insert_first_attempts(connection, deliveries)


def fanout_consumer(runtime: ServiceRuntime) -> IdempotentConsumer:
    config = ConsumerConfig(CONSUMER_NAME, runtime.topics(), runtime.settings.kafka_bootstrap_servers)
    return IdempotentConsumer(config, runtime.pool, fan_out)
