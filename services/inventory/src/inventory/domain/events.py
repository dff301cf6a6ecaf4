"""What the domain returns: facts, named by their event type, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class DomainEvent:
    event_type: str
    data: dict[str, Any]


def sentry_timestamp(moment: datetime) -> str:
    """Sentry v1 event payloads spell UTC as a trailing `Z`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
