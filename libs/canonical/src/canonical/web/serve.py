"""Process entry point shared by the services: settings, guards, logging, uvicorn."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from canonical import upgrade_guard
from canonical.config.settings import BootError, SettingsT, load_settings
from canonical.logs import configure_logging


def run_service(
    settings_type: type[SettingsT],
    create_app: Callable[[SettingsT], FastAPI],
    *,
    distribution: str,
    package_file: str,
) -> None:
    """Boot guards first (before anything listens), then serve until SIGTERM."""
    try:
        settings = load_settings(settings_type)
    except BootError as error:
        print(str(error), file=sys.stderr)
        raise SystemExit(1) from None
    configure_logging(settings.service_name, settings.log_level, settings.secret_values())
    upgrade_guard.enforce(
        {
            distribution: Path(package_file),
            "sentry-canonical": Path(upgrade_guard.__file__),
        }
    )
    uvicorn.run(
        create_app(settings),
        host=settings.bind_host,
        port=settings.port,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,  # only the gateway interprets forwarding headers, and only when told to
        timeout_graceful_shutdown=15,
    )
