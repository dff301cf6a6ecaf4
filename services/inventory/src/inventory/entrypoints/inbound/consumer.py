"""Kafka worker: `inbound.record_accepted` events become inventory records, each answered with its outcome.

Delivery is at least once; the platform's idempotent consumer records each
event id with its effect, so a redelivered record is applied once. Other
event types on the inbound topic (including the outcomes this worker emits)
are skipped by the consumer, unparsed. A record whose apply keeps failing (a
bug, not a refusal) becomes a dead letter and is answered `apply_failed`.
"""

from __future__ import annotations

from collections.abc import Sequence

from canonical.db import Connection
from canonical.events.envelope import CloudEvent
from canonical.events.factory import CommandContext
from canonical.events.registry import topic_name
from canonical.eventstore.consumer import ConsumerConfig, IdempotentConsumer, applying_alone
from canonical.web.runtime import ServiceRuntime
from inventory.adapters.inbound.unit_of_work import SavepointUnitOfWork
from inventory.domain.inbound.records import AcceptedRecord, Outcome
from inventory.entrypoints.dependencies import PROJECTORS
from inventory.service_layer.inbound.apply import Answer, answer_all, apply_accepted

CONSUMER_NAME = "inventory-inbound-apply"
INBOUND_CONTEXT = "inbound"
ACCEPTED = "inbound.record_accepted"
SYSTEM_ACTOR = "system:inbound"


def context_of(event: CloudEvent) -> CommandContext:
    """The inventory events a record causes keep the caller's request chain and name the record's event."""
    return CommandContext(
        request_id=event.correlationid or event.id, actor=event.actor or SYSTEM_ACTOR, causation_id=event.id
    )


def inbound_apply_consumer(runtime: ServiceRuntime) -> IdempotentConsumer:
    def unit_of_work(connection: Connection, *, savepoints: bool) -> SavepointUnitOfWork:
        return SavepointUnitOfWork(
            connection, runtime.pool, runtime.writer, runtime.registry, PROJECTORS, savepoints=savepoints
        )

    async def apply_batch(connection: Connection, events: Sequence[CloudEvent]) -> None:
        # Records apply without savepoints until one is refused; the consumer then applies the batch's records
        # one at a time (`applying_alone`), each behind its savepoint so a refusal can be recorded.
        uow = unit_of_work(connection, savepoints=applying_alone.get())
        answers = []
        for event in events:
            accepted, context = AcceptedRecord.from_event(event.id, event.data), context_of(event)
            answers.append(Answer(accepted, await apply_accepted(accepted, uow, context), context))
        await answer_all(answers, uow)

    async def answer_dead_letter(connection: Connection, event: CloudEvent) -> None:
        # A record that keeps failing (a bug, not a refusal) is set aside for an operator; its sender hears
        # so now rather than seeing it pending for ever. The cause stays in the dead letter, not in the answer.
        accepted = AcceptedRecord.from_event(event.id, event.data)
        answer = Answer(accepted, Outcome.set_aside(), context_of(event))
        await answer_all([answer], unit_of_work(connection, savepoints=False))

    topic = topic_name(runtime.settings.kafka_topic_prefix, INBOUND_CONTEXT)
    config = ConsumerConfig(
        CONSUMER_NAME, [topic], runtime.settings.kafka_bootstrap_servers, event_types=frozenset({ACCEPTED})
    )
    return IdempotentConsumer(config, runtime.pool, apply_batch, on_dead_letter=answer_dead_letter)
