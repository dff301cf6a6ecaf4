"""`python -m gateway`: boot guards, then serve."""

from canonical.web.serve import run_service
from gateway.entrypoints.app import create_app
from gateway.settings import Settings


def main() -> None:
    run_service(Settings, create_app, distribution="sentry-gateway", package_file=__file__)


if __name__ == "__main__":
    main()
