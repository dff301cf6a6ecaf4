"""Kafka worker: every domain event of every context becomes one audit chain entry."""

from __future__ import annotations

from collections.abc import Sequence

from audit.adapters.chain_store import append_to_chain
from audit.domain.actions import ObservedEvent, audit_entry_for
from canonical.db import Connection
from canonical.events.envelope import CloudEvent
from canonical.eventstore.consumer import ConsumerConfig, IdempotentConsumer
from canonical.web.runtime import ServiceRuntime

CONSUMER_NAME = "audit-chain"


def observed(event: CloudEvent) -> ObservedEvent:
    extra = event.model_extra or {}
    device = extra.get("deviceid")
    return ObservedEvent(
        event_id=event.id,
        event_type=event.type,
        subject=event.subject,
        actor=event.actor,
        warehouse_id=event.warehouseid,
        device_id=str(device) if device is not None else None,
        data=event.data,
        time=event.time,
    )


async def record_events(connection: Connection, events: Sequence[CloudEvent]) -> None:
    await append_to_chain(connection, [audit_entry_for(observed(e)) for e in events])


def chain_consumer(runtime: ServiceRuntime) -> IdempotentConsumer:
    config = ConsumerConfig(CONSUMER_NAME, runtime.topics(), runtime.settings.kafka_bootstrap_servers)
    return IdempotentConsumer(config, runtime.pool, record_events)
