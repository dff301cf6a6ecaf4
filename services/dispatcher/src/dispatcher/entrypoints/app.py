"""The dispatcher's FastAPI app: the admin API, the fan-out consumer and the delivery worker."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from canonical.web.app import create_service_app
from dispatcher.adapters.secret_box import SecretBox
from dispatcher.adapters.ssrf import DestinationGuard
from dispatcher.entrypoints.admin_api import router as admin_router
from dispatcher.entrypoints.delivery_worker import DeliveryWorker
from dispatcher.entrypoints.dependencies import DispatcherAdapters
from dispatcher.entrypoints.fanout_consumer import fanout_consumer
from dispatcher.settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    if settings.sentry_allow_internal_webhooks:
        log.warning(
            "SENTRY_ALLOW_INTERNAL_WEBHOOKS is on: webhooks may be sent to loopback and private addresses "
            "(development and CI only)"
        )
    built = DispatcherAdapters(
        guard=DestinationGuard(
            allow_internal=settings.sentry_allow_internal_webhooks,
            resolve_timeout_s=settings.dispatcher_http_connect_timeout_ms / 1000,
        ),
        secret_box=SecretBox(settings.encryption_key()),
    )
    app = create_service_app(
        settings,
        routers=[admin_router],
        make_workers=lambda runtime: [
            fanout_consumer(runtime),
            DeliveryWorker(runtime.pool, settings, built.guard, built.secret_box),
        ],
        identity_verify_key=settings.identity_verify_key(),
    )
    app.state.dispatcher = built
    return app
