"""What routes need from a request: the gateway's wiring, the client, and the authenticated user."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import httpx
from fastapi import Depends, Request

from canonical.errors import Unauthorized
from canonical.events.factory import CommandContext
from canonical.web.runtime import ServiceRuntime
from gateway.adapters.access_tokens import AccessTokenRejected
from gateway.adapters.api_tokens import TokenLookup
from gateway.adapters.auth_changes import AuthCaches
from gateway.adapters.forwarder import Forwarder
from gateway.adapters.limits import Limits
from gateway.adapters.openapi_sources import OpenApiSources
from gateway.adapters.sessions import PrincipalLookup
from gateway.adapters.unit_of_work import UnitOfWork
from gateway.adapters.upstreams import InboundDirectory, InventoryDirectory, Router
from gateway.domain.access import check_forced_change
from gateway.domain.errors import AdminRequired, CsrfRejected
from gateway.domain.users import User
from gateway.service_layer.api_tokens import TokenKeys
from gateway.service_layer.auth import Client, TokenPolicy
from gateway.settings import Settings

ACCESS_COOKIE = "sentry_auth"
REFRESH_COOKIE = "sentry_refresh"
CSRF_COOKIE = "sentry_csrf"
CSRF_HEADER = "X-CSRF-Token"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Gateway:
    """Everything the routes share, built once per app."""

    settings: Settings
    runtime: ServiceRuntime
    policy: TokenPolicy
    limits: Limits
    http: httpx.AsyncClient
    router: Router
    forwarder: Forwarder
    inventory: InventoryDirectory
    inbound: InboundDirectory
    token_keys: TokenKeys
    openapi_sources: OpenApiSources
    principals: PrincipalLookup
    tokens: TokenLookup
    auth_caches: AuthCaches

    def event_type_names(self) -> set[str]:
        return {t.name for t in self.runtime.registry.all()}

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(
            self.runtime.pool, self.runtime.writer, self.runtime.registry, on_commit=self.auth_caches.forget_all
        )


@dataclass(frozen=True)
class Principal:
    user: User
    session_id: str
    via_cookie: bool


def gateway(request: Request) -> Gateway:
    wiring: Gateway = request.app.state.gateway
    return wiring


def client(request: Request) -> Client:
    return Client(
        ip=request.client.host if request.client else "unknown",
        user_agent=request.headers.get("user-agent", "")[:200],
        request_id=request.state.request_id,
    )


def check_csrf(request: Request) -> None:
    """Double submit: a cookie-authenticated write must echo the CSRF cookie in the header."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not cookie or not header or not hmac.compare_digest(cookie.encode(), header.encode()):
        raise CsrfRejected("CSRF token missing or invalid", legacy_error="CSRF token missing or invalid")


def presented_token(request: Request) -> tuple[str | None, bool]:
    """Bearer wins over the cookie (v1.7 order); the flag says whether the cookie was used."""
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip(), False
    cookie = request.cookies.get(ACCESS_COOKIE)
    return (cookie, True) if cookie else (None, False)


async def authenticate(request: Request, *, enforce_forced_change: bool = True) -> Principal:
    wiring = gateway(request)
    token, via_cookie = presented_token(request)
    if not token:
        raise Unauthorized("Unauthorized", legacy_error="Unauthorized")
    if via_cookie and request.method in WRITE_METHODS:
        check_csrf(request)
    try:
        claims = wiring.policy.access.verify(token)
    except AccessTokenRejected:  # every verification failure looks the same to the caller
        raise Unauthorized("Token expired or invalid", legacy_error="Token expired") from None
    # Live state (cached until it changes): logout, deactivation, role and scope changes act on the next request.
    found = await wiring.principals(claims.session_id)
    if (
        found is None
        or not found.is_open(datetime.now(UTC))
        or not found.user.is_active
        or found.user.external_id != claims.subject
    ):
        raise Unauthorized("Session expired or revoked", legacy_error="Unauthorized")
    user = found.user
    if enforce_forced_change:
        check_forced_change(user, request.url.path)
    request.state.actor = user.external_id
    return Principal(user, claims.session_id, via_cookie)


async def signed_in(request: Request) -> Principal:
    return await authenticate(request)


async def admin(request: Request) -> Principal:
    found = await authenticate(request)
    if not found.user.is_admin:
        raise AdminRequired("This action needs the ADMIN role.", legacy_error="Forbidden")
    return found


def command_context(request: Request, who: Principal) -> CommandContext:
    return CommandContext(request_id=request.state.request_id, actor=who.user.external_id)


SignedIn = Annotated[Principal, Depends(signed_in)]
Admin = Annotated[Principal, Depends(admin)]
Wiring = Annotated[Gateway, Depends(gateway)]
