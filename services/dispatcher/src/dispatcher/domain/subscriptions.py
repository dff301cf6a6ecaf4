"""Webhook subscriptions: who receives which events, and the rules of their filter."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from canonical.errors import DomainError, NotFound

MAX_DISPLAY_NAME_LENGTH = 128
MAX_DELIVERY_URL_LENGTH = 2048


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"  # receives new events
    PAUSED = "paused"  # keeps its pending deliveries, sends nothing
    REVOKED = "revoked"  # terminal


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"

    def __init__(self, subscription_id: uuid.UUID) -> None:
        super().__init__(f"Webhook subscription {subscription_id} does not exist.", legacy_error="Not found")


class InvalidSubscriptionId(DomainError):
    code = "invalid_subscription_id"

    def __init__(self) -> None:
        super().__init__("A webhook subscription id is a UUID.", legacy_error="Invalid subscription id")


class UnknownEventTypes(DomainError):
    code = "unknown_event_types"

    def __init__(self, unknown: Iterable[str]) -> None:
        names = sorted(unknown)
        # A typo in a filter would silently match nothing forever; refuse it instead.
        super().__init__(f"Unknown event types: {', '.join(names)}.", legacy_error="Unknown event types", unknown=names)


class MalformedFilter(ValueError):
    """A stored filter document that this code cannot read (written by hand or by a newer version)."""


def parse_subscription_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidSubscriptionId() from None


@dataclass(frozen=True)
class SubscriptionFilter:
    """Which events a subscription receives. No event types named means every event."""

    event_types: frozenset[str] = frozenset()

    def matches(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types

    def unknown_types(self, known: Iterable[str]) -> set[str]:
        return set(self.event_types) - set(known)

    def to_document(self) -> dict[str, Any]:
        """The stored jsonb form: `{}` for all events, else `{"event_types": [sorted names]}`."""
        return {"event_types": sorted(self.event_types)} if self.event_types else {}

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> SubscriptionFilter:
        unexpected = set(document) - {"event_types"}
        if unexpected:
            raise MalformedFilter(f"unknown filter keys {sorted(unexpected)}")
        event_types = document.get("event_types", [])
        if not isinstance(event_types, list) or not all(isinstance(t, str) and t for t in event_types):
            raise MalformedFilter("event_types must be a list of event type names")
        return cls(frozenset(event_types))
