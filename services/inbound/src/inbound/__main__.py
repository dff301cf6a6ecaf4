"""`python -m inbound`: boot guards, then serve."""

from canonical.web.serve import run_service
from inbound.entrypoints.app import create_app
from inbound.settings import Settings


def main() -> None:
    run_service(Settings, create_app, distribution="sentry-inbound", package_file=__file__)


if __name__ == "__main__":
    main()
