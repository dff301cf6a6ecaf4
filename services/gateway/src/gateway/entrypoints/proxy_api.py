"""Everything under /api the gateway does not serve itself: authorize, then forward to the owner."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from canonical.identity import Identity
from gateway.domain.access import check_admin_path, check_function, check_warehouse, requested_warehouse
from gateway.domain.api_tokens import ApiToken, InvalidToken, authorize_route, inbound_resource, route_slug
from gateway.domain.errors import RateLimited
from gateway.domain.users import User
from gateway.entrypoints.context import Gateway, Principal, authenticate, gateway
from gateway.settings import Settings

router = APIRouter()

# Machine routes take an X-WMS-Token, never a user's session (v1.7: the two never mix).
MACHINE_PREFIXES = ("/api/v1/events", "/api/v1/snapshot", "/api/v1/inbound/")
# Published documents anyone may read: exact method and path, kept explicit and small on purpose,
# because everything listed here reaches a service without a caller the gateway knows.
PUBLIC_ROUTES = frozenset({("GET", "/api/v1/inbound/mapping-schema")})
# What services see for a public route: a non-admin with no warehouse and no scope.
ANONYMOUS = Identity(subject="anonymous", username="anonymous", role="ANONYMOUS")


def _json_or_none(raw: bytes) -> Any:
    """The JSON body when there is one; the owning service judges malformed bodies."""
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None


def identity_of(user: User) -> Identity:
    return Identity(
        subject=user.external_id,
        username=user.username,
        role=user.role,
        warehouse_ids=user.warehouse_ids,
        scopes=tuple(user.effective_functions()),
    )


@router.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def forward(rest: str, request: Request) -> Response:
    wiring = gateway(request)
    path = request.url.path
    # Authenticate before reading the body: an anonymous caller never makes the gateway buffer one.
    if (request.method, path) in PUBLIC_ROUTES:
        identity, body = ANONYMOUS, b""
    elif path.startswith(MACHINE_PREFIXES):
        identity = await authenticate_machine(request)
        body = await request.body()
    else:
        who = await authenticate(request)
        body = await request.body()
        identity = _authorize_user(request, who, body)
    relayed = await wiring.forwarder.forward(
        wiring.router.upstream_for(path),
        request.method,
        path,
        request.url.query.encode(),
        list(request.headers.items()),
        body,
        identity,
        request.state.request_id,
        request_id_minted=not request.state.request_id_is_retry_key,
    )
    response = Response(content=relayed.body, status_code=relayed.status)
    response.raw_headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in relayed.headers]
    return response


def _authorize_user(request: Request, who: Principal, body: bytes) -> Identity:
    path = request.url.path
    check_admin_path(who.user, path)
    check_function(who.user, path)
    if not who.user.is_admin:
        payload = _json_or_none(body)
        in_body = [payload["warehouse_id"]] if isinstance(payload, dict) and "warehouse_id" in payload else []
        warehouse_id = requested_warehouse({"query": request.query_params.getlist("warehouse_id"), "body": in_body})
        check_warehouse(who.user, warehouse_id)
    return identity_of(who.user)


async def authenticate_machine(request: Request) -> Identity:
    """X-WMS-Token on the machine routes: uniform 401 for every bad token, 403 for a scope it lacks."""
    wiring = gateway(request)
    presented = request.headers.get("x-wms-token")
    # A missing header still costs one lookup, so "absent" and "wrong" take the same time.
    token = await wiring.tokens.find(wiring.runtime.pool, wiring.token_keys.hasher.hash(presented or ""))
    if presented is None or token is None or not token.usable(datetime.now(UTC)):
        raise InvalidToken
    authorize_route(token.scope, request.method, request.url.path)
    await _within_token_quota(wiring, request, token.token_id)
    await wiring.tokens.used(wiring.runtime.pool, token.token_id)
    return token_identity(token)


def token_quota(method: str, path: str, settings: Settings) -> tuple[str, int] | None:
    """The per-token quota of a machine route, as (bucket, requests per minute): each route counts on its own,
    every page of the snapshot too. Inbound is per token (v1.7 keyed it by address: one busy ERP behind a
    shared address used up the quota of every other system there)."""
    resource = inbound_resource(path)
    if resource is not None:
        return f"inbound.{resource}", settings.rate_limit_inbound_per_min
    slug = route_slug(method, path)
    if slug == "snapshot.inventory":
        return slug, settings.rate_limit_snapshot_per_min
    if slug is not None and slug.startswith("events."):
        return slug, settings.rate_limit_events_per_min
    return None


async def _within_token_quota(wiring: Gateway, request: Request, token_id: int) -> None:
    quota = token_quota(request.method, request.url.path, wiring.settings)
    if quota is None or not wiring.settings.rate_limit_enabled:
        return
    bucket, per_min = quota
    retry_after = await wiring.limits.hit(bucket, f"token:{token_id}", per_min)
    if retry_after is not None:
        raise RateLimited(
            f"This token may call {bucket} {per_min} time(s) per minute; retry in {retry_after} s.",
            legacy_error=RateLimited.code,
            retry_after=retry_after,
        )


def token_identity(token: ApiToken) -> Identity:
    scope = token.scope
    scopes = (
        [f"endpoint:{e}" for e in scope.endpoints]
        + [f"event_type:{t}" for t in scope.event_types]
        + [f"inbound:{r}" for r in scope.inbound_resources]
    )
    return Identity(
        subject=f"system:wms_token:{token.token_id}",
        username=token.token_name,
        role="TOKEN",
        warehouse_ids=scope.warehouse_ids,
        scopes=tuple(scopes),
        extra={
            "token_id": token.token_id,
            "source_system": scope.source_system,
            "inbound_resources": list(scope.inbound_resources),
            "connector_id": scope.connector_id,
            "mapping_override": scope.mapping_override,
        },
    )
