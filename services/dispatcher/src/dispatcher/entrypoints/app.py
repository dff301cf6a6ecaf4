"""The dispatcher's FastAPI app: the admin API, the fan-out consumer and the delivery worker."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from canonical.web.app import create_service_app
from canonical.web.runtime import ServiceRuntime
from canonical.workers import Worker
from dispatcher.adapters.secret_box import SecretBox
from dispatcher.adapters.ssrf import DestinationGuard
from dispatcher.entrypoints.admin_api import router as admin_router
from dispatcher.entrypoints.delivery_worker import DeliveryWorker
from dispatcher.entrypoints.dependencies import DispatcherAdapters
from dispatcher.entrypoints.fanout_agent import FanoutAgent
from dispatcher.entrypoints.polling_api import router as polling_router
from dispatcher.entrypoints.registry_api import router as registry_router
from dispatcher.entrypoints.retention_worker import DeliveryRetentionWorker
from dispatcher.entrypoints.snapshot_api import router as snapshot_router
from dispatcher.entrypoints.stats_api import router as stats_router
from dispatcher.settings import Settings

log = logging.getLogger(__name__)


def _workers(runtime: ServiceRuntime, settings: Settings, built: DispatcherAdapters) -> list[Worker]:
    delivery = DeliveryWorker(runtime, settings, built.guard, built.secret_box)
    return [
        FanoutAgent(runtime, on_queued=delivery.wake),
        delivery,
        DeliveryRetentionWorker(runtime.pool, settings.dispatcher_delivery_retention_days),
    ]


def create_app(settings: Settings) -> FastAPI:
    internal_networks = settings.internal_networks()
    if internal_networks:
        log.warning(
            "SENTRY_ALLOW_INTERNAL_WEBHOOKS is on: webhooks may be sent to %s (development and CI only)",
            ", ".join(str(n) for n in internal_networks),
        )
    if settings.sentry_allow_http_webhooks:
        log.warning("SENTRY_ALLOW_HTTP_WEBHOOKS is on: webhooks may be sent over plain http")
    built = DispatcherAdapters(
        guard=DestinationGuard(
            internal_networks=internal_networks,
            allow_http=settings.sentry_allow_http_webhooks,
            resolve_timeout_s=settings.dispatcher_http_connect_timeout_ms / 1000,
        ),
        secret_box=SecretBox(settings.encryption_key()),
        settings=settings,
    )
    app = create_service_app(
        settings,
        routers=[admin_router, stats_router, polling_router, registry_router, snapshot_router],
        make_workers=lambda runtime: _workers(runtime, settings, built),
        identity_verify_key=settings.identity_verify_key(),
    )
    app.state.dispatcher = built
    return app
