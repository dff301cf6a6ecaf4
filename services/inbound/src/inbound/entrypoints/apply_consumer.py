"""Kafka worker: inventory's `inbound.record_applied` / `inbound.record_apply_failed` mark staged records.

Marking commits with the consumer's processed-event record and NOTIFYs the
requests waiting for that record (read-your-writes). Every other event type
on the inbound topic, including the service's own `record_accepted`, is skipped
by the consumer, unparsed and without a transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from canonical.db import Connection
from canonical.events.envelope import CloudEvent
from canonical.events.registry import topic_name
from canonical.eventstore.consumer import ConsumerConfig, IdempotentConsumer
from canonical.web.runtime import ServiceRuntime
from inbound.adapters.apply_state import ApplyOutcome, mark_outcomes

CONSUMER_NAME = "inbound-apply-outcomes"
INBOUND_CONTEXT = "inbound"
APPLIED = "inbound.record_applied"
APPLY_FAILED = "inbound.record_apply_failed"


def outcome_of(event: CloudEvent) -> ApplyOutcome | None:
    data = event.data
    if event.type == APPLIED:
        return ApplyOutcome(int(data["inbound_id"]), "applied", action=data.get("action"))
    if event.type == APPLY_FAILED:
        return ApplyOutcome(
            int(data["inbound_id"]), "rejected", error_code=data["code"], error_message=data.get("message")
        )
    return None


async def record_outcomes(connection: Connection, events: Sequence[CloudEvent]) -> None:
    await mark_outcomes(connection, [outcome for event in events if (outcome := outcome_of(event)) is not None])


def apply_outcome_consumer(runtime: ServiceRuntime) -> IdempotentConsumer:
    topic = topic_name(runtime.settings.kafka_topic_prefix, INBOUND_CONTEXT)
    config = ConsumerConfig(
        CONSUMER_NAME,
        [topic],
        runtime.settings.kafka_bootstrap_servers,
        event_types=frozenset({APPLIED, APPLY_FAILED}),
    )
    return IdempotentConsumer(config, runtime.pool, record_outcomes)
