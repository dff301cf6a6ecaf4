"""The gateway's FastAPI app: the only public HTTP entry point."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from canonical.web.app import create_service_app
from gateway.settings import Settings

public = APIRouter(tags=["public"])


@public.get("/api/health")
async def health() -> dict[str, str]:
    """Anonymous liveness for scanners' server check: exactly {status, service}, nothing about the deployment."""
    return {"status": "ok", "service": "sentry-wms"}


def create_app(settings: Settings) -> FastAPI:
    return create_service_app(settings, routers=[public])
