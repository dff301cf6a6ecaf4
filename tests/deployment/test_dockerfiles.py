"""The service images: multi-stage, wheels only at run time, non-root, health-checked, per the contract."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.deployment.conftest import Contract, Dockerfile

REPO = Path(__file__).resolve().parents[2]
SLIM = "python:3.11-slim"
APP_UID = "10001"


def test_contract_table_is_parsed(contract: Contract) -> None:
    # Every other test loops over this table: an empty parse would make them pass vacuously.
    assert "gateway" in contract.services
    assert len({spec.port for spec in contract.services.values()}) == len(contract.services)
    assert all(spec.script == f"sentry-{spec.name}" for spec in contract.services.values())
    assert contract.services["gateway"].secrets
    assert "SENTRY_INTERNAL_VERIFY_KEY" not in contract.services["gateway"].secrets
    assert all("SENTRY_INTERNAL_VERIFY_KEY" in s.secrets for n, s in contract.services.items() if n != "gateway")


def test_multi_stage_from_slim(dockerfiles: dict[str, Dockerfile]) -> None:
    for name, dockerfile in dockerfiles.items():
        assert len(dockerfile.stages) >= 2, f"{name}: not multi-stage"
        assert dockerfile.stage("builder").base == SLIM, name
        assert dockerfile.runtime.base == SLIM, name


def test_builder_makes_wheels_of_canonical_and_the_service(dockerfiles: dict[str, Dockerfile]) -> None:
    for name, dockerfile in dockerfiles.items():
        runs = " ".join(i.arguments for i in dockerfile.stage("builder").all("RUN"))
        assert re.search(rf"pip wheel [^&]*libs/canonical [^&]*services/{name}\b", runs), (
            f"{name}: canonical and the service must be wheeled in one pip run (one resolver pass)"
        )


def test_runtime_installs_wheels_only(dockerfiles: dict[str, Dockerfile]) -> None:
    for name, dockerfile in dockerfiles.items():
        runs = [i.arguments for i in dockerfile.runtime.all("RUN")]
        installs = [r for r in runs if "pip install" in r]
        assert installs, f"{name}: the runtime stage installs nothing"
        for run in installs:
            assert "--no-index" in run, f"{name}: runtime pip may reach an index: {run}"
            assert f"sentry-{name}" in run, name
        for run in runs:
            # No compilers, package managers or download tools in the image that ships.
            assert not re.search(r"\b(apt-get|apt|apk|dnf|yum)\b", run), f"{name}: package manager in runtime: {run}"
            assert not re.search(r"\b(curl|wget|gcc|build-essential)\b", run), f"{name}: tool in runtime: {run}"


def test_runtime_user_is_fixed_non_root(dockerfiles: dict[str, Dockerfile]) -> None:
    for name, dockerfile in dockerfiles.items():
        users = dockerfile.runtime.all("USER")
        assert users, f"{name}: no USER in the runtime stage"
        final = users[-1].arguments
        # Numeric, so the kubelet can enforce runAsNonRoot without a runAsUser.
        assert final.split(":")[0] == APP_UID, f"{name}: USER {final}"
        created = " ".join(i.arguments for i in dockerfile.runtime.all("RUN"))
        assert re.search(rf"useradd\b[^&]*--uid {APP_UID}\b[^&]*\bappuser\b", created), f"{name}: appuser/{APP_UID}"


def test_healthcheck_probes_healthz_with_python(dockerfiles: dict[str, Dockerfile]) -> None:
    for name, dockerfile in dockerfiles.items():
        checks = dockerfile.runtime.all("HEALTHCHECK")
        assert len(checks) == 1, f"{name}: expected one HEALTHCHECK in the runtime stage"
        command = checks[0].exec_form()
        assert command is not None, f"{name}: HEALTHCHECK should use the exec form"
        assert command[0] == "python", f"{name}: slim images have no curl"
        assert "/healthz" in " ".join(command), name


def test_port_entrypoint_and_migrations_follow_the_contract(
    contract: Contract, dockerfiles: dict[str, Dockerfile]
) -> None:
    for name, dockerfile in dockerfiles.items():
        spec = contract.services[name]
        runtime = dockerfile.runtime
        assert [i.arguments for i in runtime.all("EXPOSE")] == [str(spec.port)], name
        env = " ".join(i.arguments for i in runtime.all("ENV"))
        assert re.search(rf"\bSERVICE_PORT={spec.port}\b", env), f"{name}: SERVICE_PORT must match EXPOSE"
        # Inside a container, loopback would make the service unreachable.
        assert re.search(r"\bSERVICE_HOST=0\.0\.0\.0\b", env), name
        (entrypoint,) = runtime.all("ENTRYPOINT")
        assert entrypoint.exec_form() == [spec.script], name
        copies = [i.arguments.split() for i in runtime.all("COPY")]
        assert [f"services/{name}/migrations/", "/app/migrations/"] in copies, f"{name}: migrations not in /app"


def test_build_version_comes_from_the_pyproject(contract: Contract, dockerfiles: dict[str, Dockerfile]) -> None:
    for name, dockerfile in dockerfiles.items():
        version = tomllib.loads((REPO / "services" / name / "pyproject.toml").read_text())["project"]["version"]
        builder = dockerfile.stage("builder")
        args = [i.arguments for i in builder.all("ARG")]
        assert f"SENTRY_VERSION={version}" in args, f"{name}: ARG SENTRY_VERSION must default to {version}"
        runs = " ".join(i.arguments for i in builder.all("RUN"))
        assert f"services/{name}/pyproject.toml > /build/BUILD_VERSION" in runs, name
        assert '!= "$SENTRY_VERSION"' in runs, f"{name}: a tag that disagrees with the code must stop the build"
        copies = [i.arguments.split() for i in dockerfile.runtime.all("COPY")]
        assert ["--from=builder", "/build/BUILD_VERSION", "/app/BUILD_VERSION"] in copies, name


def test_copied_sources_exist(dockerfiles: dict[str, Dockerfile]) -> None:
    # The build context is the repository root; an empty folder is not in git,
    # so a service without a tracked file in migrations/ would not build.
    for name, dockerfile in dockerfiles.items():
        for stage in dockerfile.stages:
            for copy in stage.all("COPY"):
                words = [w for w in copy.arguments.split() if not w.startswith("--")]
                if any(w.startswith("--from") for w in copy.arguments.split()):
                    continue
                for source in words[:-1]:
                    path = REPO / source
                    assert path.exists(), f"{name}: COPY {source} does not exist in the repository"
                    if path.is_dir():
                        assert any(path.iterdir()), f"{name}: COPY {source} is an empty folder (untracked in git)"


def test_dockerignore_keeps_local_state_out() -> None:
    patterns = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for required in (".git", ".venv", ".local", ".env", "**/node_modules", "**/__pycache__"):
        assert required in patterns, f".dockerignore should exclude {required}"
