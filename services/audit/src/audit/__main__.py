"""`python -m audit`: boot guards, then serve."""

from fastapi import FastAPI

from audit.entrypoints.app import create_app
from audit.settings import Settings
from canonical.web.serve import run_service, worker_app


def app() -> FastAPI:
    """One uvicorn worker's app (WEB_CONCURRENCY > 1)."""
    return worker_app(Settings, create_app)


def main() -> None:
    run_service(
        Settings,
        create_app,
        distribution="sentry-audit",
        package_file=__file__,
        worker_factory="audit.__main__:app",
    )


if __name__ == "__main__":
    main()
