"""FastAPI dependencies: the dispatcher's adapters, built once by `create_app`."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from fastapi import Request

from canonical.web.runtime import ServiceRuntime
from dispatcher.adapters.secret_box import SecretBox
from dispatcher.adapters.ssrf import DestinationGuard


@dataclass(frozen=True)
class DispatcherAdapters:
    guard: DestinationGuard
    secret_box: SecretBox


def adapters(request: Request) -> DispatcherAdapters:
    built: DispatcherAdapters = request.app.state.dispatcher
    return built


def runtime(request: Request) -> ServiceRuntime:
    running: ServiceRuntime = request.app.state.runtime
    return running


def pool(request: Request) -> asyncpg.Pool:
    return runtime(request).pool
