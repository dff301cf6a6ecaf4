"""Kafka worker: every domain event of every context becomes one audit chain entry."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from audit.adapters.chain_store import append_to_chain, remember_names
from audit.domain.actions import ObservedEvent, audit_entry_for, rule_action
from audit.domain.names import entity_name_in, warehouse_code_in
from audit.service_layer.checkpoints import AUDIT_CONTEXT
from canonical.db import Connection
from canonical.events.envelope import CloudEvent
from canonical.events.registry import topic_name
from canonical.eventstore.consumer import ConsumerConfig, IdempotentConsumer
from canonical.web.runtime import ServiceRuntime

CONSUMER_NAME = "audit-chain"
log = logging.getLogger(__name__)
_checked_types: set[str] = set()  # whether a type has a naming rule is looked up once per process


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
    entries, names, warehouses = [], [], []
    for event in events:
        entry = audit_entry_for(observed(event))
        if event.type not in _checked_types and rule_action(event.type, event.data) is None:
            log.warning(
                "no audit naming rule for event type %s: recorded as %s/%s (add one in audit/domain/actions.py)",
                event.type,
                entry.action_type,
                entry.entity_type,
            )
        _checked_types.add(event.type)
        entries.append(entry)
        if (name := entity_name_in(entry, event.data)) is not None:
            names.append(name)
        if (code := warehouse_code_in(event.data)) is not None:
            warehouses.append(code)
    await append_to_chain(connection, entries)
    await remember_names(connection, names, warehouses)


def audited_topics(runtime: ServiceRuntime) -> list[str]:
    """Every context's topic but the audit service's own: recording its checkpoints would grow the
    log, which would call for another checkpoint, forever."""
    own = topic_name(runtime.settings.kafka_topic_prefix, AUDIT_CONTEXT)
    return [topic for topic in runtime.topics() if topic != own]


def chain_consumer(runtime: ServiceRuntime) -> IdempotentConsumer:
    config = ConsumerConfig(CONSUMER_NAME, audited_topics(runtime), runtime.settings.kafka_bootstrap_servers)
    return IdempotentConsumer(config, runtime.pool, record_events)
