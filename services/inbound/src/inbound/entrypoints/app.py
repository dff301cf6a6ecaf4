"""The inbound service's FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from canonical.web.app import create_service_app
from inbound.adapters.apply_waiters import ApplyListener, ApplyWaiters
from inbound.entrypoints.admin_api import router as admin_router
from inbound.entrypoints.apply_consumer import apply_outcome_consumer
from inbound.entrypoints.boot import load_mapping_documents_at_boot
from inbound.entrypoints.inbound_api import router as inbound_router
from inbound.entrypoints.retention_worker import RetentionWorker
from inbound.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    waiters = ApplyWaiters()
    app = create_service_app(
        settings,
        routers=[inbound_router, admin_router],
        identity_verify_key=settings.identity_verify_key(),
        on_startup=[load_mapping_documents_at_boot],
        make_workers=lambda runtime: [
            RetentionWorker(
                runtime.pool,
                settings.sentry_inbound_source_payload_retention_days,
                settings.inbound_retention_interval_s,
            ),
            apply_outcome_consumer(runtime),
            ApplyListener(runtime.pool, waiters),
        ],
    )
    app.state.apply_waiters = waiters
    return app
