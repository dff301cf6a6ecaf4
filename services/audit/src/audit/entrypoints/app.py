"""The audit service's FastAPI app, its chain-writing consumer and its checkpoint signer."""

from __future__ import annotations

from fastapi import FastAPI

from audit.entrypoints.api import audit_router
from audit.entrypoints.chain_consumer import chain_consumer
from audit.entrypoints.checkpoint_worker import CheckpointWorker
from audit.settings import Settings
from canonical.web.app import create_service_app


def create_app(settings: Settings) -> FastAPI:
    return create_service_app(
        settings,
        routers=[audit_router(settings.checkpoint_signing_key().public_key())],
        make_workers=lambda runtime: [chain_consumer(runtime), CheckpointWorker(runtime, settings)],
        identity_verify_key=settings.identity_verify_key(),
    )
