"""`python -m dispatcher`: boot guards, then serve."""

from fastapi import FastAPI

from canonical.web.serve import run_service, worker_app
from dispatcher.entrypoints.app import create_app
from dispatcher.settings import Settings


def app() -> FastAPI:
    """One uvicorn worker's app (WEB_CONCURRENCY > 1)."""
    return worker_app(Settings, create_app)


def main() -> None:
    run_service(
        Settings,
        create_app,
        distribution="sentry-dispatcher",
        package_file=__file__,
        worker_factory="dispatcher.__main__:app",
    )


if __name__ == "__main__":
    main()
