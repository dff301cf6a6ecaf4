"""The audit service's FastAPI app and its chain-writing consumer."""

from __future__ import annotations

from fastapi import FastAPI

from audit.entrypoints.chain_consumer import chain_consumer
from audit.settings import Settings
from canonical.web.app import create_service_app


def create_app(settings: Settings) -> FastAPI:
    return create_service_app(
        settings,
        make_workers=lambda runtime: [chain_consumer(runtime)],
        identity_verify_key=settings.identity_verify_key(),
    )
