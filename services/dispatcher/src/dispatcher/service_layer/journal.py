"""Subscription changes as events: appended with the outbox in the caller's transaction (the audit log reads them).

One stream per subscription (`webhook_subscription-<id>`). Callers hold the
subscription's row lock (or have just inserted the row), so reading the
stream's version and appending cannot race another change of the same
subscription. No event carries a secret or a full delivery URL.
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
class SubscriptionJournal:
    writer: EventWriter
    registry: EventRegistry

    async def record(
        self,
        connection: Connection,
        subscription_id: uuid.UUID,
        events: Sequence[tuple[str, dict[str, Any]]],
        context: CommandContext,
    ) -> None:
        """Append `(event type, data)` pairs to the subscription's stream (nothing when empty)."""
        if not events:
            return
        stream_id = stream_of(subscription_id)
        built = [
            new_event(
                self.registry.latest(event_type),
                {"subscription_id": str(subscription_id), **data},
                source=SOURCE,
                subject=stream_id,
                context=context,
            )
            for event_type, data in events
        ]
        await self.writer.append(connection, stream_id, await stream_version(connection, stream_id), built)
