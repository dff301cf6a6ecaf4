"""Admin changes as events: appended with the outbox in the caller's transaction (the audit log reads them).

One stream per aggregate: `webhook_subscription-<id>`, `connector-<id>`,
`consumer_group-<id>`. Callers hold the aggregate's row lock (or have just
inserted the row), so reading the stream's version and appending cannot race
another change of the same aggregate. No event carries a secret or a full
delivery URL.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from canonical.db import Connection
from canonical.events.factory import CommandContext, new_event
from canonical.events.registry import EventRegistry
from canonical.eventstore.store import EventWriter, stream_version

SOURCE = "/sentry-wms/dispatcher"
SYSTEM_ACTOR = "system:dispatcher"


def stream_of(subscription_id: uuid.UUID) -> str:
    return f"webhook_subscription-{subscription_id}"


def system_context() -> CommandContext:
    """Changes the dispatcher makes on its own (ceilings, auto-disable)."""
    return CommandContext(request_id=str(uuid.uuid4()), actor=SYSTEM_ACTOR)


@dataclass(frozen=True)
class Journal:
    """Appends the dispatcher's admin changes to their aggregate's stream (the audit log reads them)."""

    writer: EventWriter
    registry: EventRegistry

    async def append(
        self,
        connection: Connection,
        stream_id: str,
        events: Sequence[tuple[str, dict[str, Any]]],
        context: CommandContext,
    ) -> None:
        """Append `(event type, data)` pairs to `stream_id` (nothing when empty); the caller holds the row lock."""
        if not events:
            return
        built = [
            new_event(self.registry.latest(event_type), data, source=SOURCE, subject=stream_id, context=context)
            for event_type, data in events
        ]
        await self.writer.append(connection, stream_id, await stream_version(connection, stream_id), built)


@dataclass(frozen=True)
class SubscriptionJournal(Journal):
    async def record(
        self,
        connection: Connection,
        subscription_id: uuid.UUID,
        events: Sequence[tuple[str, dict[str, Any]]],
        context: CommandContext,
    ) -> None:
        """Append `(event type, data)` pairs to the subscription's stream, each naming the subscription."""
        await self.append(
            connection,
            stream_of(subscription_id),
            [(event_type, {"subscription_id": str(subscription_id), **data}) for event_type, data in events],
            context,
        )
