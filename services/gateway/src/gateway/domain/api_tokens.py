"""API tokens (X-WMS-Token): scopes, the rules for issuing them, and what a token may call."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from canonical.errors import DomainError, Forbidden, Unauthorized
from canonical.events.domain import DomainEvent

ENDPOINT_SLUGS = ("events.poll", "events.ack", "events.types", "events.schema", "snapshot.inventory")
INBOUND_RESOURCES = ("sales_orders", "items", "customers", "vendors", "purchase_orders")
ROTATION_RECOMMENDED_DAYS = 75
ROTATION_OVERDUE_DAYS = 90


class TokenValidationError(DomainError):
    code = "validation_error"


class UnknownEventTypes(DomainError):
    code = "unknown_event_types"


class UnknownSourceSystem(DomainError):
    code = "unknown_source_system"


class TokenNotFound(DomainError):
    status = 404
    code = "token_not_found"


class TokenRevoked(DomainError):
    code = "token_revoked"


class InvalidToken(Unauthorized):
    """One body for every reason (missing, unknown, revoked, expired): no oracle (V-209)."""

    code = "invalid_token"

    def __init__(self) -> None:
        super().__init__("invalid_token", legacy_error="invalid_token")

    def body(self) -> dict[str, Any]:
        return {"error": "invalid_token"}


class ScopeViolation(Forbidden):
    def __init__(self, code: str) -> None:
        super().__init__(code, legacy_error=code)
        self.scope_code = code

    def body(self) -> dict[str, Any]:
        return {"error": self.scope_code, "code": self.scope_code}


@dataclass(frozen=True)
class TokenScope:
    warehouse_ids: tuple[int, ...] = ()
    event_types: tuple[str, ...] = ()
    endpoints: tuple[str, ...] = ()
    connector_id: str | None = None
    source_system: str | None = None
    inbound_resources: tuple[str, ...] = ()
    mapping_override: bool = False

    def described(self) -> dict[str, Any]:
        return {
            "warehouse_ids": list(self.warehouse_ids),
            "event_types": list(self.event_types),
            "endpoints": list(self.endpoints),
            "connector_id": self.connector_id,
            "source_system": self.source_system,
            "inbound_resources": list(self.inbound_resources),
            "mapping_override": self.mapping_override,
        }


@dataclass(frozen=True)
class ApiToken:
    token_id: int
    token_name: str
    scope: TokenScope
    status: str
    created_at: datetime
    rotated_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    version: int

    def usable(self, now: datetime) -> bool:
        return self.status == "active" and self.revoked_at is None and self.expires_at > now

    def rotation_status(self, now: datetime) -> str:
        age_days = (now - self.rotated_at).days
        if age_days >= ROTATION_OVERDUE_DAYS:
            return "overdue"
        return "recommended" if age_days >= ROTATION_RECOMMENDED_DAYS else "none"


def check_scope(scope: TokenScope, known_event_types: Collection[str]) -> None:
    """The issuance rules in v1.7's order (warehouse existence is asked of inventory by the handler)."""
    unknown_slugs = sorted(set(scope.endpoints) - set(ENDPOINT_SLUGS))
    if unknown_slugs:
        raise TokenValidationError(
            f"Unknown endpoints: {', '.join(unknown_slugs)}", unknown=unknown_slugs, valid=list(ENDPOINT_SLUGS)
        )
    unknown_resources = sorted(set(scope.inbound_resources) - set(INBOUND_RESOURCES))
    if unknown_resources:
        raise TokenValidationError(
            f"Unknown inbound_resources: {', '.join(unknown_resources)}",
            unknown=unknown_resources,
            valid=list(INBOUND_RESOURCES),
        )
    if (scope.source_system is None) != (not scope.inbound_resources):
        raise TokenValidationError("source_system and inbound_resources must be set together.")
    if scope.mapping_override and not scope.inbound_resources:
        raise TokenValidationError("mapping_override needs inbound_resources.")
    if not scope.endpoints and not scope.inbound_resources:
        raise TokenValidationError("A token needs endpoints (outbound) or source_system with inbound_resources.")
    unknown_types = sorted(set(scope.event_types) - set(known_event_types))
    if unknown_types:
        raise UnknownEventTypes(
            "Unknown event_types",
            legacy_error="unknown_event_types",
            unknown=unknown_types,
            valid=sorted(known_event_types),
        )


def check_source_system(scope: TokenScope, allow_listed: Collection[str]) -> None:
    """An inbound token speaks for a source system the inbound service accepts (v1.7 rule 6)."""
    if scope.source_system is not None and scope.source_system not in allow_listed:
        raise UnknownSourceSystem(
            f"Unknown source_system: {scope.source_system}",
            legacy_error="unknown_source_system",
            source_system=scope.source_system,
        )


def route_slug(method: str, path: str) -> str | None:
    """The outbound slug a machine route needs, or None for a route no slug opens."""
    if path == "/api/v1/events" and method == "GET":
        return "events.poll"
    if path == "/api/v1/events/ack" and method == "POST":
        return "events.ack"
    if path == "/api/v1/events/types" and method == "GET":
        return "events.types"
    if path.startswith("/api/v1/events/schema/") and method == "GET":
        return "events.schema"
    if path == "/api/v1/snapshot/inventory" and method == "GET":
        return "snapshot.inventory"
    return None


INBOUND_PREFIX = "/api/v1/inbound/"


def inbound_resource(path: str) -> str | None:
    """The resource an inbound route names (`/api/v1/inbound/<resource>[/...]`), None for any other route."""
    return path[len(INBOUND_PREFIX) :].split("/", 1)[0] if path.startswith(INBOUND_PREFIX) else None


def authorize_route(scope: TokenScope, method: str, path: str) -> None:
    """May this token call this machine route? Fails closed for anything unclassified."""
    resource = inbound_resource(path)
    if resource is not None:
        if scope.source_system is None or not scope.inbound_resources:
            raise ScopeViolation("cross_direction_scope_violation")
        if resource not in scope.inbound_resources:
            raise ScopeViolation("inbound_resource_scope_violation")
        return
    if scope.inbound_resources and not scope.event_types:
        raise ScopeViolation("cross_direction_scope_violation")
    slug = route_slug(method, path)
    if slug is None or slug not in scope.endpoints:
        raise ScopeViolation("endpoint_scope_violation")


def token_event(event_type: str, token: ApiToken, **extra: Any) -> DomainEvent:
    """The full granted scope, never the plaintext or its hash."""
    data = {
        "token_id": token.token_id,
        "token_name": token.token_name,
        **token.scope.described(),
        "expires_at": token.expires_at.isoformat(),
        **extra,
    }
    return DomainEvent(event_type, data)
