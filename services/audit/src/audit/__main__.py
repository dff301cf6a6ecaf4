"""`python -m audit`: boot guards, then serve."""

from audit.entrypoints.app import create_app
from audit.settings import Settings
from canonical.web.serve import run_service


def main() -> None:
    run_service(Settings, create_app, distribution="sentry-audit", package_file=__file__)


if __name__ == "__main__":
    main()
