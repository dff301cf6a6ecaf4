"""The inbound service's FastAPI app: probes and the event backbone; its API arrives with its own issue."""

from __future__ import annotations

from fastapi import FastAPI

from canonical.web.app import create_service_app
from inbound.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    return create_service_app(settings, identity_verify_key=settings.identity_verify_key())
