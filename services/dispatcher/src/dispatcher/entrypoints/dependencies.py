"""FastAPI dependencies: the dispatcher's adapters, built once by `create_app`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from canonical.web.runtime import ServiceRuntime
from dispatcher.adapters.secret_box import SecretBox
from dispatcher.adapters.ssrf import DestinationGuard
from dispatcher.adapters.webhook_sender import WebhookSender
from dispatcher.service_layer.stats import StatsCache
from dispatcher.settings import Settings


@dataclass(frozen=True)
class DispatcherAdapters:
    guard: DestinationGuard
    secret_box: SecretBox
    settings: Settings
    stats_cache: StatsCache = field(default_factory=StatsCache)

    def sender(self) -> WebhookSender:
        return WebhookSender(
            connect_timeout_s=self.settings.dispatcher_http_connect_timeout_ms / 1000,
            read_timeout_s=self.settings.dispatcher_http_read_timeout_ms / 1000,
            total_timeout_s=self.settings.dispatcher_http_timeout_ms / 1000,
        )


def adapters(request: Request) -> DispatcherAdapters:
    built: DispatcherAdapters = request.app.state.dispatcher
    return built


def runtime(request: Request) -> ServiceRuntime:
    running: ServiceRuntime = request.app.state.runtime
    return running


def pool(request: Request) -> asyncpg.Pool:
    return runtime(request).pool


Pool = Annotated[asyncpg.Pool, Depends(pool)]
Runtime = Annotated[ServiceRuntime, Depends(runtime)]
Built = Annotated[DispatcherAdapters, Depends(adapters)]
