"""What a domain model returns: facts, named by their event type, as plain data (no envelope, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DomainEvent:
    event_type: str
    data: dict[str, Any]
