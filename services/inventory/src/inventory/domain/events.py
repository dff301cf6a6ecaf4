"""What the domain returns: facts, named by their event type, as plain data (the shared DomainEvent)."""

from __future__ import annotations

from datetime import UTC, datetime

from canonical.events.domain import DomainEvent

__all__ = ["DomainEvent", "sentry_timestamp"]


def sentry_timestamp(moment: datetime) -> str:
    """Sentry v1 event payloads spell UTC as a trailing `Z`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
