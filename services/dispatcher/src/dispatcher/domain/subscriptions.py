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
# The dispatcher's own events (subscriptions created, paused, disabled ...) reach a subscription only
# when its filter names them: "every event" means every domain event, not other subscriptions' admin.
OPERATIONAL_PREFIX = "webhook."


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"  # receives new events
    PAUSED = "paused"  # keeps collecting deliveries, sends nothing until resumed
    REVOKED = "revoked"  # terminal (soft delete)


class PauseReason(StrEnum):
    MANUAL = "manual"
    DLQ_CEILING = "dlq_ceiling"  # too many deliveries ended in the DLQ: a human should look first
    PENDING_CEILING = "pending_ceiling"  # the backlog reached its ceiling: the endpoint is not keeping up
    AUTO_DISABLED = "auto_disabled"  # no success for days (see endpoint_health)


class SignatureProfile(StrEnum):
    """How deliveries are signed and what their body is."""

    STANDARD = "standard"  # Standard Webhooks headers, the CloudEvent as body (the default)
    SENTRY_V1 = "sentry_v1"  # Sentry v1.7's X-Sentry-* headers, the v1.7 wire envelope as body


class SubscriptionRevoked(DomainError):
    code = "cannot_modify_revoked_subscription"

    def __init__(self, subscription_id: uuid.UUID) -> None:
        super().__init__(
            f"Webhook subscription {subscription_id} is deleted; create a new one instead.",
            legacy_error="Subscription is revoked",
        )


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
    """Which events a subscription receives: both conditions hold. Nothing named means every domain event
    (the dispatcher's own `webhook.*` events only when named).

    An event that names no warehouse never matches a filter on warehouses: a
    filter that narrows must not let unattributed events through.
    """

    event_types: frozenset[str] = frozenset()
    warehouse_ids: frozenset[int] = frozenset()

    def matches(self, event_type: str, warehouse_id: int | None = None) -> bool:
        if not self.event_types and event_type.startswith(OPERATIONAL_PREFIX):
            return False
        if self.event_types and event_type not in self.event_types:
            return False
        return not self.warehouse_ids or warehouse_id in self.warehouse_ids

    def unknown_types(self, known: Iterable[str]) -> set[str]:
        return set(self.event_types) - set(known)

    def to_document(self) -> dict[str, Any]:
        """The stored jsonb form: only the keys that restrict, each sorted (`{}` is every event)."""
        document: dict[str, Any] = {}
        if self.event_types:
            document["event_types"] = sorted(self.event_types)
        if self.warehouse_ids:
            document["warehouse_ids"] = sorted(self.warehouse_ids)
        return document

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> SubscriptionFilter:
        unexpected = set(document) - {"event_types", "warehouse_ids"}
        if unexpected:
            raise MalformedFilter(f"unknown filter keys {sorted(unexpected)}")
        event_types = document.get("event_types", [])
        if not isinstance(event_types, list) or not all(isinstance(t, str) and t for t in event_types):
            raise MalformedFilter("event_types must be a list of event type names")
        warehouse_ids = document.get("warehouse_ids", [])
        if not isinstance(warehouse_ids, list) or not all(
            isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in warehouse_ids
        ):
            raise MalformedFilter("warehouse_ids must be a list of positive integers")
        return cls(frozenset(event_types), frozenset(warehouse_ids))
