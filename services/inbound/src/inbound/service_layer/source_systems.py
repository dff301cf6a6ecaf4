"""Allow-list administration. Every change is an event, so the audit log records who changed it."""

from __future__ import annotations

from canonical.events.domain import DomainEvent
from canonical.events.factory import CommandContext
from inbound.adapters.unit_of_work import InboundUnitOfWork
from inbound.domain.source_systems import (
    SourceKind,
    SourceSystemExists,
    SourceSystemInUse,
    SourceSystemNotFound,
    checked_name,
)


def _stream(name: str) -> str:
    return f"source-system-{name}"


async def allowlist(
    uow: InboundUnitOfWork, name: str, kind: SourceKind, notes: str | None, context: CommandContext
) -> None:
    name = checked_name(name)
    async with uow:
        version = await uow.lock_stream(_stream(name))
        if not await uow.source_systems.add(name, kind.value, notes):
            raise SourceSystemExists(f"{name} is already allow-listed.")
        event = DomainEvent(
            "inbound.source_system_allowlisted", {"source_system": name, "kind": kind.value, "notes": notes}
        )
        await uow.record(_stream(name), version, [event], context)


async def remove_from_allowlist(uow: InboundUnitOfWork, name: str, context: CommandContext) -> None:
    async with uow:
        version = await uow.lock_stream(_stream(name))
        if await uow.source_systems.has_history(name):
            # Its records and id mappings must keep naming where they came from.
            raise SourceSystemInUse(f"{name} has pushed records; it cannot be removed.")
        if not await uow.source_systems.remove(name):
            raise SourceSystemNotFound(f"{name} is not allow-listed.")
        await uow.record(
            _stream(name), version, [DomainEvent("inbound.source_system_removed", {"source_system": name})], context
        )
