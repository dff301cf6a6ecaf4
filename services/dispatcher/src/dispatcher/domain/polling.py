"""Polling scope and cursor rules (integration-security §4.4, Decision H: a strict subset, never an intersection).

A caller reads the events its token is scoped to. The gateway passes an API
token's scopes in the identity; the dispatcher understands

    event_type:<name>   event_type:*   (which event types)
    warehouse:<id>      warehouse:*    (which warehouses)

An ADMIN identity without scopes of a kind sees every value of that kind; any
other identity without `event_type:` scopes sees no event, and without
`warehouse:` scopes sees its own warehouses. Asking for a type or warehouse
outside the scope is refused (403), never silently narrowed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from canonical.errors import DomainError, Forbidden
from canonical.identity import Identity

T = TypeVar("T", str, int)

TYPE_SCOPE = "event_type:"
WAREHOUSE_SCOPE = "warehouse:"
EVERY = "*"
MAX_PAGE = 2000
DEFAULT_PAGE = 500


class ScopeViolation(Forbidden):
    code = "scope_violation"

    def __init__(self, field: str) -> None:
        super().__init__(f"The token may not read the requested {field}.", legacy_error="scope_violation", field=field)


class AckScopeViolation(Forbidden):
    code = "ack_scope_violation"

    def __init__(self) -> None:
        super().__init__(
            "The acknowledged range holds events this token could not have read.", legacy_error="ack_scope_violation"
        )


class CursorBeyondHorizon(DomainError):
    code = "cursor_beyond_horizon"

    def __init__(self, horizon: int) -> None:
        super().__init__(
            f"The cursor is past the newest event ({horizon}).", legacy_error="cursor_beyond_horizon", horizon=horizon
        )


@dataclass(frozen=True)
class EventScope:
    """None means no restriction; an empty set means nothing at all."""

    event_types: frozenset[str] | None
    warehouse_ids: frozenset[int] | None

    @classmethod
    def of(cls, identity: Identity) -> EventScope:
        types = {s.removeprefix(TYPE_SCOPE) for s in identity.scopes if s.startswith(TYPE_SCOPE)}
        warehouses = {s.removeprefix(WAREHOUSE_SCOPE) for s in identity.scopes if s.startswith(WAREHOUSE_SCOPE)}
        every_type = EVERY in types or (not types and identity.is_admin)
        event_types = None if every_type else frozenset(types)
        if EVERY in warehouses or (not warehouses and identity.is_admin):
            warehouse_ids = None
        elif warehouses:
            warehouse_ids = frozenset(int(w) for w in warehouses if w.isdigit())
        else:
            warehouse_ids = frozenset(identity.warehouse_ids)
        return cls(event_types, warehouse_ids)

    def require(self, event_types: Iterable[str] | None, warehouse_id: int | None) -> EventScope:
        """The scope of a request for `event_types` / `warehouse_id`; 403 if it asks beyond this scope."""
        requested_types = None if event_types is None else frozenset(event_types)
        if requested_types is not None and self.event_types is not None and not requested_types <= self.event_types:
            raise ScopeViolation("types")
        if warehouse_id is not None and self.warehouse_ids is not None and warehouse_id not in self.warehouse_ids:
            raise ScopeViolation("warehouse_id")
        return EventScope(
            requested_types if requested_types is not None else self.event_types,
            frozenset({warehouse_id}) if warehouse_id is not None else self.warehouse_ids,
        )

    def narrowed(self, event_types: Iterable[str], warehouse_ids: Iterable[int]) -> EventScope:
        """AND a consumer group's own filter (empty lists restrict nothing) into this scope."""
        types, warehouses = frozenset(event_types), frozenset(warehouse_ids)
        return EventScope(_and(self.event_types, types), _and(self.warehouse_ids, warehouses))

    def allows_type(self, event_type: str) -> bool:
        return self.event_types is None or event_type in self.event_types


def _and(scope: frozenset[T] | None, wanted: frozenset[T]) -> frozenset[T] | None:
    if not wanted:
        return scope
    return wanted if scope is None else scope & wanted


def next_cursor(after: int, returned_event_ids: list[int]) -> int:
    """The last event returned, or the input cursor when the page is empty."""
    return returned_event_ids[-1] if returned_event_ids else after
