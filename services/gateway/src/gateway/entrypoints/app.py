"""The gateway's FastAPI app: the only public HTTP entry point."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from redis.asyncio import Redis
from redis.exceptions import RedisError

from canonical.events.factory import CommandContext
from canonical.identity import private_key_from_setting
from canonical.web.app import create_service_app
from canonical.web.errors import dependency_down
from canonical.workers import INFRASTRUCTURE_ERRORS, Backoff
from gateway.adapters.access_tokens import AccessTokens, derive_key
from gateway.adapters.api_tokens import EventSigner, TokenHasher, TokenLookup
from gateway.adapters.auth_changes import AuthCaches, AuthChangeListener
from gateway.adapters.credentials import RefreshTokens
from gateway.adapters.forwarder import Forwarder
from gateway.adapters.limits import Limits
from gateway.adapters.openapi_sources import OpenApiSources
from gateway.adapters.sessions import PrincipalLookup
from gateway.adapters.upstreams import InboundDirectory, InventoryDirectory, Router, Upstream
from gateway.domain.errors import TooManyAttempts
from gateway.domain.openapi import merge_documents
from gateway.entrypoints import auth_api, proxy_api, tokens_api, users_api
from gateway.entrypoints.context import Gateway, gateway
from gateway.entrypoints.hardening import HardeningMiddleware, RateLimitMiddleware
from gateway.service_layer.api_tokens import TokenKeys
from gateway.service_layer.auth import TokenPolicy
from gateway.service_layer.users import ensure_seed_admin
from gateway.settings import Settings

log = logging.getLogger(__name__)

public = APIRouter(tags=["public"])


@public.get("/api/health")
async def health() -> dict[str, str]:
    """Anonymous liveness for scanners' server check: exactly {status, service}, nothing about the deployment."""
    return {"status": "ok", "service": "sentry-wms"}


@public.post("/api/csp-report", status_code=204, include_in_schema=False)
async def csp_report(request: Request) -> Response:
    """Browsers report CSP violations here: anonymous, any body, rate limited, logged once."""
    raw = await request.body()
    log.warning(
        "csp_violation from %s (%s): %s",
        request.client.host if request.client else "unknown",
        request.headers.get("user-agent", "")[:200],
        raw[:2000].decode("utf-8", "replace"),
    )
    return Response(status_code=204)


@public.get("/api/openapi.json", include_in_schema=False)
async def openapi(request: Request) -> dict[str, Any]:
    """The whole public API: the gateway's own routes and every path it forwards, as each service describes it."""
    wiring = gateway(request)
    documents, unavailable = await wiring.openapi_sources.documents()

    def owns(service: str, path: str) -> bool:
        return wiring.router.upstream_for(path).name == service

    return merge_documents(request.app.openapi(), documents, owns, unavailable)


def route_table(settings: Settings) -> Router:
    """Which service owns which public path (tests check every route of the services against it)."""
    audit = Upstream("audit", settings.audit_url)
    dispatcher = Upstream("dispatcher", settings.dispatcher_url)
    inbound = Upstream("inbound", settings.inbound_url)
    return Router(
        [
            ("/api/admin/audit-log", audit),
            ("/api/admin/webhooks", dispatcher),
            ("/api/admin/webhook-errors", dispatcher),
            ("/api/v1/events", dispatcher),
            ("/api/v1/snapshot/", dispatcher),
            ("/api/admin/consumer-groups", dispatcher),
            ("/api/admin/connector-registry", dispatcher),
            ("/api/v1/inbound/", inbound),
            ("/api/admin/inbound/", inbound),
            ("/api/admin/connectors", Upstream("connectors", settings.connectors_url)),
        ],
        default=Upstream("inventory", settings.inventory_url),
    )


async def _too_many_attempts(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, TooManyAttempts)
    return JSONResponse(
        error.body(), status_code=error.status, headers={"Retry-After": str(error.details.get("retry_after", 60))}
    )


SEEDING_GRACE_S = 5.0


async def _seed_admin(wiring: Gateway, stop: asyncio.Event) -> None:
    """Create the first admin once the database answers; never blocks start-up."""
    password = wiring.settings.admin_password.get_secret_value() if wiring.settings.admin_password else None
    context = CommandContext(request_id="seed-admin", actor="system:gateway")
    backoff = Backoff(ceiling_s=5.0)
    while not stop.is_set():
        try:
            created = await ensure_seed_admin(wiring.unit_of_work(), password, context)
        except INFRASTRUCTURE_ERRORS as error:
            log.warning("cannot seed the admin yet (%s); retrying", error)
            await backoff.sleep(stop)
            continue
        if created and password:
            # Printed once, on purpose: the operator chose it and reads it from the start-up output.
            print(f"Admin user 'admin' created with the password from ADMIN_PASSWORD: {password}", flush=True)
        elif created:
            log.warning("Admin user 'admin' created with password 'admin'; it must be changed at first login")
        return


def create_app(settings: Settings) -> FastAPI:
    # Guaranteed by the boot guards (required secrets).
    assert settings.jwt_secret is not None
    assert settings.sentry_internal_signing_key is not None
    assert settings.redis_password is not None
    assert settings.sentry_token_pepper is not None
    assert settings.sentry_pubsub_hmac_key is not None
    pepper = settings.sentry_token_pepper.get_secret_value()
    pubsub_key = settings.sentry_pubsub_hmac_key.get_secret_value()
    jwt_secret = settings.jwt_secret.get_secret_value()
    signing_key = private_key_from_setting(settings.sentry_internal_signing_key.get_secret_value())
    # Bounded waits: a Redis outage must turn into a quick 503 (login) or a logged pass (limiter), never a hang.
    redis = Redis.from_url(
        settings.redis_url,
        password=settings.redis_password.get_secret_value(),
        socket_connect_timeout=1.0,
        socket_timeout=2.0,
    )
    limits = Limits(
        redis, settings.redis_key_prefix, max_failures=settings.login_max_failures, lockout_s=settings.login_lockout_s
    )
    # The gateway's own reads of services (warehouses, settings, allow-list, OpenAPI documents); forwarded
    # requests go through the Forwarder's pool.
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(settings.upstream_timeout_s, connect=settings.upstream_connect_timeout_s),
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        follow_redirects=False,
    )
    routes = route_table(settings)
    principals = PrincipalLookup(settings.database_url.get_secret_value(), min(settings.database_pool_max, 10))
    tokens = TokenLookup()
    auth_caches = AuthCaches([principals.cache, tokens.cache])
    app = create_service_app(
        settings,
        routers=[public, auth_api.router, users_api.router, tokens_api.router, proxy_api.router],
        make_workers=lambda runtime: [AuthChangeListener(runtime.pool, auth_caches)],
    )
    wiring = Gateway(
        settings=settings,
        runtime=app.state.runtime,
        policy=TokenPolicy(
            access=AccessTokens(jwt_secret, settings.access_token_ttl_s),
            refresh=RefreshTokens(derive_key(jwt_secret, b"sentry-wms refresh-token successor v1")),
            session_ttl_s=settings.refresh_token_ttl_s,
            refresh_grace_s=settings.refresh_grace_s,
        ),
        limits=limits,
        http=http,
        router=routes,
        forwarder=Forwarder(
            signing_key, timeout_s=settings.upstream_timeout_s, connect_timeout_s=settings.upstream_connect_timeout_s
        ),
        inventory=InventoryDirectory(http, settings.inventory_url, signing_key),
        inbound=InboundDirectory(http, settings.inbound_url, signing_key),
        token_keys=TokenKeys(TokenHasher(pepper), EventSigner(pubsub_key)),
        openapi_sources=OpenApiSources(http, routes.upstreams()),
        principals=principals,
        tokens=tokens,
        auth_caches=auth_caches,
    )
    app.state.gateway = wiring
    app.add_exception_handler(TooManyAttempts, _too_many_attempts)
    # Login lockout fails closed: without its counters the gateway cannot tell a brute force from a user.
    app.add_exception_handler(RedisError, dependency_down)
    app.add_middleware(RateLimitMiddleware, settings=settings, limits=limits)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origin_list,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-CSRF-Token", "X-Request-ID", "X-WMS-Token"],
    )
    app.add_middleware(HardeningMiddleware, settings=settings)

    service_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        if settings.trust_proxy:
            log.warning(
                "ProxyFix active: trusting X-Forwarded-* headers from %d proxy hop(s) (TRUST_PROXY=true)",
                settings.trust_proxy_hops,
            )
        else:
            log.warning("ProxyFix inactive: X-Forwarded-* headers are ignored (TRUST_PROXY=false)")
        stop = asyncio.Event()
        await wiring.principals.start()
        async with service_lifespan(application):
            seeding = asyncio.create_task(_seed_admin(wiring, stop))
            try:
                yield
            finally:
                stop.set()
                # Let a seeding transaction already under way finish: cancelled mid-query, its connection
                # could stay "idle in transaction" and hold the pool's close.
                await asyncio.wait([seeding], timeout=SEEDING_GRACE_S)
                seeding.cancel()
                await asyncio.gather(seeding, return_exceptions=True)
                await http.aclose()
                await wiring.forwarder.close()
                await redis.aclose()
                await wiring.principals.close()

    app.router.lifespan_context = lifespan
    return app
