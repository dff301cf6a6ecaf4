"""The app factory every service uses: health, readiness, metrics, errors, request ids."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from canonical.config.settings import ServiceSettings
from canonical.identity import IdentityVerifier
from canonical.web.errors import install_error_handlers
from canonical.web.middleware import RequestContextMiddleware
from canonical.web.openapi import with_documented_errors
from canonical.web.runtime import ServiceRuntime, WorkerFactory

StartupCheck = Callable[[FastAPI], Awaitable[None]]

probes = APIRouter(tags=["operations"])
# Set when several worker processes serve one service (WEB_CONCURRENCY > 1).
MULTIPROCESS_METRICS = "PROMETHEUS_MULTIPROC_DIR"


@probes.get("/healthz")
async def healthz(request: Request) -> dict[str, str]:
    """The process is alive and serving; says nothing about its dependencies."""
    return {"status": "ok", "service": request.app.state.runtime.settings.service_name}


@probes.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready when the database and Kafka both answer; 503 (with which one failed) otherwise."""
    checks = await request.app.state.runtime.readiness()
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks}, status_code=200 if ready else 503
    )


@probes.get("/metrics")
async def metrics() -> Response:
    if MULTIPROCESS_METRICS in os.environ:  # several worker processes: the sum of all of them (see serve.py)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _telemetry() -> TelemetryConfig:
    """FastAPI's native OpenTelemetry, only when the operator configures an exporter for it.

    Left on with no exporter it costs ~4% CPU per request (measured in the gateway) for spans that go
    nowhere; /metrics (Prometheus) and JSON logs are the always-on signals.
    """
    if os.environ.get("FASTAPI_OTEL_AUTO_CONFIGURE", "").strip().lower() == "true":
        return {}
    return {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


def create_service_app(
    settings: ServiceSettings,
    *,
    routers: Sequence[APIRouter] = (),
    make_workers: WorkerFactory | None = None,
    identity_verify_key: Ed25519PublicKey | None = None,
    on_startup: Sequence[StartupCheck] = (),
) -> FastAPI:
    """`on_startup` runs after the runtime started and before the first request; raising refuses to serve."""
    runtime = ServiceRuntime(settings, make_workers=make_workers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            for check in on_startup:
                await check(app)
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=f"Sentry WMS {settings.service_name}", lifespan=lifespan, telemetry=_telemetry())
    app.openapi = with_documented_errors(app)  # type: ignore[method-assign]
    app.state.runtime = runtime
    app.state.identity_verifier = IdentityVerifier(identity_verify_key) if identity_verify_key else None
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)
    app.include_router(probes)
    for router in routers:
        app.include_router(router)
    return app
