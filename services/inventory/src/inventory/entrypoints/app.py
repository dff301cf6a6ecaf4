"""The inventory service's FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from canonical.web.app import create_service_app
from inventory.entrypoints.catalog_api import router as catalog_router
from inventory.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    return create_service_app(settings, routers=[catalog_router], identity_verify_key=settings.identity_verify_key())
