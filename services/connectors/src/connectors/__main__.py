"""`python -m connectors`: boot guards, then serve."""

from canonical.web.serve import run_service
from connectors.entrypoints.app import create_app
from connectors.settings import Settings


def main() -> None:
    run_service(Settings, create_app, distribution="sentry-connectors", package_file=__file__)


if __name__ == "__main__":
    main()
