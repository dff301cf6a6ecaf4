"""Receiving one external record: the ten steps of the v1.7 inbound handler, on the event backbone.

All in one transaction: serialise on the record's key, answer a replayed
version with what was stored, refuse a stale one, map the payload, give the
entity its canonical id (new on first receipt, else the one it already has),
supersede the previously applied version, stage the new one and append the
`inbound.record_accepted` event that the owning service applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, Self
from uuid import UUID, uuid4

from canonical.events.domain import DomainEvent
from canonical.events.envelope import CloudEvent
from canonical.events.factory import CommandContext
from inbound.adapters.records import CrossSystemMappings, InboundRecords
from inbound.domain.mapping.apply import apply_mapping, lookups_needed
from inbound.domain.mapping.document import MappingDocument, Resource
from inbound.domain.mapping.errors import MappingApplyError
from inbound.domain.records import MappingDocumentNotLoaded, Replay, decide, refuse_overrides


class RecordUnitOfWork(Protocol):
    @property
    def records(self) -> InboundRecords: ...

    @property
    def mappings(self) -> CrossSystemMappings: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: Any) -> None: ...

    async def lock(self, name: str) -> None: ...

    async def stream_version(self, stream_id: str) -> int: ...

    async def record(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[DomainEvent],
        context: CommandContext,
        *,
        partition_key: str | None = None,
    ) -> list[CloudEvent]: ...


@dataclass(frozen=True)
class ReceiveRecord:
    resource: Resource
    source_system: str  # bound to the caller's API token, never taken from the body
    caller: str
    external_id: str
    external_version: str
    source_payload: dict[str, Any]
    mapping_overrides: Any = None


@dataclass(frozen=True)
class Received:
    inbound_id: int
    canonical_id: UUID
    canonical_type: str
    received_at: datetime
    replayed: bool


def source_partition_key(source_system: str) -> str:
    return f"inbound-source:{source_system}"


async def handle_receive(
    command: ReceiveRecord, uow: RecordUnitOfWork, documents: Mapping[str, MappingDocument], context: CommandContext
) -> Received:
    refuse_overrides(command.mapping_overrides)
    document = documents.get(command.source_system)
    if document is None:
        raise MappingDocumentNotLoaded(f"No mapping document is loaded for {command.source_system!r}.")
    if command.resource not in document.resources:
        raise MappingApplyError(f"The {command.source_system} mapping document has no {command.resource} section.")
    source, resource, external_id = command.source_system, command.resource.value, command.external_id
    async with uow:
        await uow.lock(f"inbound:{source}:{resource}:{external_id}")
        state = await uow.records.key_state(source, resource, external_id, command.external_version)
        decision = decide(document.version_compare, command.external_version, state.same_version, state.applied)
        if isinstance(decision, Replay):
            stored = decision.record
            return Received(stored.inbound_id, stored.canonical_id, stored.canonical_type, stored.received_at, True)
        found = await uow.mappings.resolve(lookups_needed(document, command.resource, command.source_payload))
        mapped = apply_mapping(document, command.resource, command.source_payload, found)
        canonical_id, first_receipt = await uow.mappings.claim(source, mapped.canonical_type, external_id, uuid4())
        if decision.supersedes is not None:
            await uow.records.supersede(decision.supersedes.inbound_id)
        inbound_id = state.next_id
        stream = f"canonical-{mapped.canonical_type}-{canonical_id}"
        accepted = DomainEvent(
            "inbound.record_accepted",
            {
                "inbound_id": inbound_id,
                "resource": resource,
                "canonical_type": mapped.canonical_type,
                "canonical_id": str(canonical_id),
                "source_system": source,
                "external_id": external_id,
                "external_version": command.external_version,
                "first_receipt": first_receipt,
                "field_set": mapped.field_set,
                "record": mapped.canonical_payload,
            },
        )
        # The key lock covers the stream: its canonical id was minted for this key alone (just now, on a
        # first receipt, so the stream cannot exist yet).
        version = 0 if first_receipt else await uow.stream_version(stream)
        # One Kafka key per source system: inventory applies a source's records in the order they were
        # accepted, so an order posted after its item (even with `Prefer: respond-async`) finds the item.
        [event] = await uow.record(stream, version, [accepted], context, partition_key=source_partition_key(source))
        stored = await uow.records.insert(
            inbound_id=inbound_id,
            resource=resource,
            source_system=source,
            external_id=external_id,
            external_version=command.external_version,
            canonical_type=mapped.canonical_type,
            canonical_id=canonical_id,
            canonical_payload=mapped.canonical_payload,
            source_payload=command.source_payload,
            received_via=command.caller,
            event_id=event.id,
        )
        return Received(stored.inbound_id, stored.canonical_id, stored.canonical_type, stored.received_at, False)
