"""docker-compose.yml and docker-compose.prod.yml: required secrets, loopback ports, health, ordering."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.deployment.conftest import ComposeFile, Contract

REPO = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
INIT_SCRIPT = "./deploy/postgres/init-roles.sh"


def _required(value: Any, variable: str) -> bool:
    """True when the value is exactly ${VARIABLE:?message}, with a message."""
    return isinstance(value, str) and re.fullmatch(rf"\$\{{{variable}:\?[^}}]+\}}", value) is not None


def test_parses_with_services(compose: ComposeFile) -> None:
    assert compose.services, f"{compose.path.name} has no services"


def test_every_long_running_container_has_a_healthcheck(compose: ComposeFile) -> None:
    missing = [
        name
        for name, service in compose.services.items()
        if not compose.one_shot(name) and not (service.get("healthcheck") or {}).get("test")
    ]
    assert not missing, f"{compose.path.name}: no healthcheck for {missing}"
    # A disabled check would pass the line above.
    assert not [n for n, s in compose.services.items() if (s.get("healthcheck") or {}).get("disable")]


def test_no_secret_has_a_default(compose: ComposeFile, contract: Contract) -> None:
    offences = sorted(
        {
            f"{i.name} used as {'$' + i.name if i.operator == '$' else '${' + i.name + i.operator + '...}'}"
            for i in compose.interpolations()
            if i.name in contract.known_secrets and (i.operator not in (":?", "?") or not i.argument.strip())
        }
    )
    assert not offences, f"{compose.path.name}: secrets must be ${{VAR:?message}}: {offences}"


def test_secret_variables_are_never_literal(compose: ComposeFile, contract: Contract) -> None:
    for name in compose.services:
        for variable, value in compose.environment(name).items():
            if variable in contract.known_secrets:
                assert _required(value, variable), f"{compose.path.name}: {name}.{variable} = {value!r}"


def test_each_service_gets_the_secrets_the_contract_requires(compose: ComposeFile, contract: Contract) -> None:
    for name, spec in contract.services.items():
        environment = compose.environment(name)
        for secret in spec.secrets:
            assert _required(environment.get(secret), secret), f"{compose.path.name}: {name} lacks {secret}"
        url = environment.get("DATABASE_URL", "")
        assert f"${{{spec.db_password_var}:?" in url, f"{name}: DATABASE_URL must use {spec.db_password_var}"
        assert url.startswith(f"postgresql://{name}:"), f"{name}: DATABASE_URL must log in as the app role"
        assert url.endswith(f"@postgres:5432/{name}"), f"{name}: DATABASE_URL must name database {name}"


def _host_ip(port: Any) -> str | None:
    """The host address of a published port, None when the port binds every interface."""
    if isinstance(port, dict):
        return port.get("host_ip")
    text = str(port)
    if text.startswith("${"):
        return text[: text.index("}") + 1]
    parts = text.split(":")
    return parts[0] if len(parts) == 3 else None


def _loopback(host_ip: str | None) -> bool:
    if host_ip == LOOPBACK:
        return True
    # ${API_BIND_HOST:-127.0.0.1}: loopback unless the operator says otherwise.
    return host_ip is not None and re.fullmatch(r"\$\{\w+:-127\.0\.0\.1\}", host_ip) is not None


def test_published_ports_bind_loopback_by_default(compose: ComposeFile) -> None:
    for name, service in compose.services.items():
        for port in service.get("ports", []):
            assert _loopback(_host_ip(port)), f"{compose.path.name}: {name} publishes {port!r} beyond loopback"


def test_only_the_gateway_is_published_of_the_services(compose: ComposeFile, contract: Contract) -> None:
    gateway = contract.services["gateway"]
    for name in contract.names:
        ports = [str(p) for p in compose.services[name].get("ports", [])]
        if name == gateway.name:
            assert ports == [f"${{API_BIND_HOST:-{LOOPBACK}}}:{gateway.port}:{gateway.port}"], ports
        else:
            assert not ports, f"{compose.path.name}: internal service {name} is published: {ports}"


def test_services_wait_for_infrastructure_and_their_migration(compose: ComposeFile, contract: Contract) -> None:
    for name in contract.names:
        depends = compose.services[name].get("depends_on", {})
        assert depends.get(f"migrate-{name}", {}).get("condition") == "service_completed_successfully", name
        for infra in ("postgres", "kafka"):
            assert depends.get(infra, {}).get("condition") == "service_healthy", f"{name} -> {infra}"
    assert compose.services["gateway"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_migrations_run_from_each_service_image(compose: ComposeFile, contract: Contract) -> None:
    for name in contract.names:
        migrate = compose.services[f"migrate-{name}"]
        assert compose.one_shot(f"migrate-{name}")
        assert migrate["image"] == compose.services[name]["image"], f"migrate-{name} must use the {name} image"
        assert migrate["entrypoint"] == ["sentry-migrate"]
        assert migrate["command"] == [name, "--migrations", "/app/migrations"], "no admin URL on a command line"
        admin_url = compose.environment(f"migrate-{name}")["SENTRY_MIGRATE_ADMIN_URL"]
        assert admin_url.endswith(f"@postgres:5432/{name}"), admin_url
        assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_images_are_built_from_the_root_context(compose: ComposeFile, contract: Contract) -> None:
    for name in contract.names:
        build = compose.services[name]["build"]
        assert build["context"] == "."
        assert build["dockerfile"] == f"services/{name}/Dockerfile"
        assert (REPO / build["dockerfile"]).is_file()


def test_skip_seed_reaches_every_service(compose: ComposeFile, contract: Contract) -> None:
    default = "true" if compose.variant == "prod" else "false"
    for name in [*contract.names, "seed"]:
        assert compose.environment(name).get("SKIP_SEED") == f"${{SKIP_SEED:-{default}}}", name


def test_infrastructure(compose: ComposeFile, contract: Contract) -> None:
    services = compose.services
    assert services["postgres"]["image"] == "postgres:16"
    assert services["kafka"]["image"] == "apache/kafka:4.1.1"
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller", "KRaft, one node"
    assert services["redis"]["image"].startswith("redis:7")
    command = services["redis"]["command"]
    assert _required(command[command.index("--requirepass") + 1], "REDIS_PASSWORD")
    assert f"{INIT_SCRIPT}:/docker-entrypoint-initdb.d/10-init-roles.sh:ro" in services["postgres"]["volumes"]
    postgres_env = compose.environment("postgres")
    for spec in contract.services.values():
        assert _required(postgres_env.get(spec.db_password_var), spec.db_password_var)


def _bind_sources(service: dict[str, Any]) -> list[tuple[str, bool]]:
    """(host path, read-only) of every bind mount; named volumes are left out."""
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            if volume.get("type") == "bind":
                mounts.append((str(volume["source"]), bool(volume.get("read_only"))))
        elif str(volume).startswith((".", "/", "~")):
            source, _, rest = str(volume).partition(":")
            mounts.append((source, rest.endswith(":ro")))
    return mounts


def test_bind_mounts_are_read_only(compose: ComposeFile) -> None:
    for name, service in compose.services.items():
        for source, read_only in _bind_sources(service):
            assert read_only, f"{compose.path.name}: {name} mounts {source} writable"


def test_prod_mounts_no_source(compose_prod: ComposeFile) -> None:
    for name, service in compose_prod.services.items():
        for source, _ in _bind_sources(service):
            assert source == INIT_SCRIPT, f"{name}: production must run the image, not {source} from the host"


def test_prod_limits_and_restarts(compose_prod: ComposeFile) -> None:
    for name, service in compose_prod.services.items():
        limits = service.get("deploy", {}).get("resources", {}).get("limits", {})
        assert limits.get("memory"), f"{name}: no memory limit"
        assert limits.get("cpus"), f"{name}: no CPU limit"
        expected = {"no"} if compose_prod.one_shot(name) else {"unless-stopped", "always"}
        assert service.get("restart") in expected, f"{name}: restart {service.get('restart')!r}"


def test_init_script_covers_the_contract(contract: Contract) -> None:
    script = (REPO / "deploy" / "postgres" / "init-roles.sh").read_text()
    match = re.search(r'services="\$\{SENTRY_SERVICES:-([^}]*)\}"', script)
    assert match, "init-roles.sh must default its service list"
    assert match[1].split() == contract.names


def test_gateway_upstreams_use_contract_ports(compose: ComposeFile, contract: Contract) -> None:
    environment = compose.environment("gateway")
    for name, spec in contract.services.items():
        if name != "gateway":
            assert environment.get(f"{name.upper()}_URL") == f"http://{name}:{spec.port}", name
