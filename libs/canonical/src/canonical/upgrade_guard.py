"""Refuse to run code that does not match what was installed.

After `git pull` without reinstalling (or a container image older than the
code mounted into it), imports fail in odd places at odd times. Instead the
process compares the version it was installed with to the version of the
source it runs, and on a mismatch logs the upgrade procedure and exits 2.
"""

from __future__ import annotations

import logging
import os
import sys
import tomllib
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

UPGRADE_EXIT_CODE = 2
BUILD_VERSION_FILE = Path(os.environ.get("SENTRY_BUILD_VERSION_FILE", "/app/BUILD_VERSION"))

UPGRADE_PROCEDURE = (
    "Upgrade procedure: native stack: `make down && make up` (reinstalls the packages); "
    "containers: `docker compose down && docker compose build && docker compose up -d` "
    "(or roll out the image built from this commit)."
)


def source_version(distribution: str, package_file: Path) -> str | None:
    """The version the running source declares: its pyproject in a checkout, else the image's build file."""
    for parent in package_file.resolve().parents:
        pyproject = parent / "pyproject.toml"
        if pyproject.is_file():
            with pyproject.open("rb") as handle:
                project = tomllib.load(handle).get("project", {})
            if project.get("name") == distribution:
                return str(project.get("version"))
    if BUILD_VERSION_FILE.is_file():
        return BUILD_VERSION_FILE.read_text(encoding="utf-8").strip()
    return None


def version_mismatch(distribution: str, package_file: Path) -> str | None:
    try:
        installed = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return f"{distribution} is not installed"
    expected = source_version(distribution, package_file)
    if expected is None:
        log.warning("no source version found for %s; upgrade guard skipped", distribution)
        return None
    if installed != expected:
        return f"{distribution} is installed at version {installed} but the source is version {expected}"
    return None


def enforce(distributions: dict[str, Path]) -> None:
    """Exit with code 2 when any distribution's installed and source versions differ."""
    for distribution, package_file in distributions.items():
        problem = version_mismatch(distribution, package_file)
        if problem is not None:
            log.critical("%s. %s", problem, UPGRADE_PROCEDURE)
            print(f"{problem}.\n{UPGRADE_PROCEDURE}", file=sys.stderr)
            raise SystemExit(UPGRADE_EXIT_CODE)
