"""Building envelopes for new events from a command's context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from canonical.events.envelope import CloudEvent
from canonical.events.registry import EventType


@dataclass(frozen=True)
class CommandContext:
    """Who asked for a change and as part of which request: carried by every event it produces."""

    request_id: str
    actor: str
    warehouse_id: int | None = None
    causation_id: str | None = None


def new_event(
    event_type: EventType,
    data: dict[str, Any],
    *,
    source: str,
    subject: str,
    context: CommandContext,
) -> CloudEvent:
    """The event store stamps `sequence` (the aggregate version) when it appends."""
    return CloudEvent(
        source=source,
        type=event_type.name,
        subject=subject,
        dataschema=event_type.dataschema,
        data=data,
        correlationid=context.request_id,
        causationid=context.causation_id or context.request_id,
        actor=context.actor,
        warehouseid=context.warehouse_id,
    )
