"""`python -m inventory`: boot guards, then serve."""

from canonical.web.serve import run_service
from inventory.entrypoints.app import create_app
from inventory.settings import Settings


def main() -> None:
    run_service(Settings, create_app, distribution="sentry-inventory", package_file=__file__)


if __name__ == "__main__":
    main()
