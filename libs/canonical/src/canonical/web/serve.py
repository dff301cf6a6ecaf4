"""Process entry point shared by the services: settings, guards, logging, uvicorn.

With `WEB_CONCURRENCY` above 1, uvicorn's own supervisor runs that many worker processes on one
listening socket (restarting any that dies) and each builds its app through the service's
`worker_factory`. Every worker is a full replica of the service, Kafka workers included, which the
platform already allows for: projections change in the command's transaction, one outbox relay
drains at a time (advisory lock), consumers share a group and apply idempotently, and the gateway's
caches listen for changes from any process.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from canonical import upgrade_guard
from canonical.config.settings import BootError, SettingsT, load_settings
from canonical.logs import configure_logging
from canonical.web.app import MULTIPROCESS_METRICS

# CPython's default first-generation threshold (700 allocations) runs a collection every few requests,
# and the older generations then scan everything the process ever imported. Under load those full
# scans were the latency tail (bench/stock.py c50 lookups: p99 110 -> 72 ms with this tuning, 1,168 ->
# 1,285/s). Everything alive once the app is built lives as long as the process: frozen, it is never
# scanned again; a larger young generation means fewer, still short, collections.
YOUNG_GENERATION_THRESHOLD = 20_000


def _ready_to_serve(app: FastAPI) -> FastAPI:
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, 50, 100)
    return app


def _configured(settings_type: type[SettingsT]) -> SettingsT:
    try:
        settings = load_settings(settings_type)
    except BootError as error:
        print(str(error), file=sys.stderr)
        raise SystemExit(1) from None
    configure_logging(settings.service_name, settings.log_level, settings.secret_values())
    return settings


def run_service(
    settings_type: type[SettingsT],
    create_app: Callable[[SettingsT], FastAPI],
    *,
    distribution: str,
    package_file: str,
    worker_factory: str,
) -> None:
    """Boot guards first (before anything listens), then serve until SIGTERM.

    `worker_factory` ("package.module:function") builds the app in each worker process when
    WEB_CONCURRENCY > 1; see `worker_app`.
    """
    settings = _configured(settings_type)
    upgrade_guard.enforce(
        {
            distribution: Path(package_file),
            "sentry-canonical": Path(upgrade_guard.__file__),
        }
    )
    options = {
        "host": settings.bind_host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "server_header": False,
        "proxy_headers": False,  # only the gateway interprets forwarding headers, and only when told to
        "timeout_graceful_shutdown": 15,
    }
    if settings.web_concurrency == 1:
        uvicorn.run(_ready_to_serve(create_app(settings)), **options)  # type: ignore[arg-type]
    else:
        _share_metrics_between_workers(settings.service_name)
        uvicorn.run(worker_factory, factory=True, workers=settings.web_concurrency, **options)  # type: ignore[arg-type]


def _share_metrics_between_workers(service: str) -> None:
    """prometheus-client's multiprocess mode: each worker writes its samples to files in one directory and
    /metrics (served by whichever worker) adds them up. Workers inherit the variable; files left by an
    earlier run of the operator's directory are removed, or their counts would be added again."""
    directory = os.environ.get(MULTIPROCESS_METRICS)
    if directory:
        for stale in Path(directory).glob("*.db"):
            stale.unlink()
    else:
        os.environ[MULTIPROCESS_METRICS] = tempfile.mkdtemp(prefix=f"sentry-{service}-metrics-")


def worker_app(settings_type: type[SettingsT], create_app: Callable[[SettingsT], FastAPI]) -> FastAPI:
    """The app of one worker process: the parent already ran the boot guards on the same environment."""
    return _ready_to_serve(create_app(_configured(settings_type)))
