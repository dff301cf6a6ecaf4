"""`python -m dispatcher`: boot guards, then serve."""

from canonical.web.serve import run_service
from dispatcher.entrypoints.app import create_app
from dispatcher.settings import Settings


def main() -> None:
    run_service(Settings, create_app, distribution="sentry-dispatcher", package_file=__file__)


if __name__ == "__main__":
    main()
