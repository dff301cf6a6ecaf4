"""Kustomize base, components and overlays: probes, pod security, secrets, network policy, prod wiring."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

if TYPE_CHECKING:
    from tests.deployment.conftest import Contract, KustomizeTree

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "k8s"
SECRET_NAME = "sentry-secrets"
PART_OF = {"app.kubernetes.io/part-of": "sentry-wms"}
# Names whose value is a credential by convention, beside the contract's list.
SECRET_NAME_PATTERN = re.compile(r"(PASSWORD|SECRET|PEPPER|_KEY)$")


def _manifest_files() -> list[Path]:
    return sorted(p for p in [*K8S.rglob("*.yaml"), *(REPO / "deploy").rglob("*.yaml")] if p.is_file())


def test_every_manifest_parses() -> None:
    files = _manifest_files()
    assert files
    for path in files:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        assert docs, f"{path} is empty"
        for doc in docs:
            assert doc.get("apiVersion"), f"{path}: a document without apiVersion"
            assert doc.get("kind"), f"{path}: a document without kind"


def test_every_manifest_is_used(
    overlays: dict[str, KustomizeTree], optional_components: dict[str, KustomizeTree]
) -> None:
    trees = [*overlays.values(), *optional_components.values()]
    reached = set().union(*(tree.files for tree in trees))
    unused = [p.relative_to(REPO) for p in _manifest_files() if p.resolve() not in reached]
    assert not unused, f"files no kustomization lists: {unused}"


def test_no_secret_is_committed() -> None:
    for path in _manifest_files():
        for doc in yaml.safe_load_all(path.read_text()):
            assert not (doc and doc.get("kind") == "Secret"), f"{path}: Secrets are created by the operator"


def test_workloads_have_probes_limits_and_run_as_non_root(overlay: KustomizeTree) -> None:
    workloads = overlay.workloads()
    assert workloads
    for workload in workloads:
        name = workload["metadata"]["name"]
        spec = overlay.pod_spec(workload)
        for container in spec["containers"]:
            assert container.get("readinessProbe"), f"{name}/{container['name']}: no readiness probe"
            assert container.get("livenessProbe"), f"{name}/{container['name']}: no liveness probe"
        for container in overlay.containers(workload):
            context = container.get("securityContext", {})
            non_root = context.get("runAsNonRoot", spec.get("securityContext", {}).get("runAsNonRoot"))
            assert non_root is True, f"{name}/{container['name']}: runAsNonRoot"
            assert context.get("allowPrivilegeEscalation") is False, f"{name}/{container['name']}"
            assert context.get("capabilities", {}).get("drop") == ["ALL"], f"{name}/{container['name']}"
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(kind, {})), f"{name}/{container['name']}: {kind}"


def test_services_follow_the_contract(overlay: KustomizeTree, contract: Contract) -> None:
    for name, spec in contract.services.items():
        deployment = overlay.named("Deployment", name)
        pod = overlay.pod_spec(deployment)
        assert pod["securityContext"]["runAsUser"] == 10001, f"{name}: the image's appuser"
        assert pod.get("automountServiceAccountToken") is False, name
        (main,) = [c for c in pod["containers"] if c["name"] == name]
        assert main["image"] == f"sentry-wms/{name}"
        assert main["ports"] == [{"name": "http", "containerPort": spec.port, "protocol": "TCP"}], name
        assert main["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}, name
        assert main["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, name
        for container in overlay.containers(deployment):
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, f"{name}/{container['name']}"

        (migrate,) = [c for c in pod["initContainers"] if c["name"] == "migrate"]
        assert migrate["image"] == main["image"], "migrations come from the service's own image"
        assert migrate["command"] == ["sentry-migrate"]
        assert migrate["args"] == [name, "--migrations", "/app/migrations"], "no admin URL in args"
        admin_url = _env(migrate)["SENTRY_MIGRATE_ADMIN_URL"]["value"]
        assert admin_url.startswith("postgresql://$(SENTRY_PG_ADMIN_USER):$(POSTGRES_PASSWORD)@"), admin_url
        assert f"/{name}?" in admin_url, admin_url

        service = overlay.named("Service", name)
        assert service["spec"]["ports"][0]["port"] == spec.port, name
        assert overlay.selects({"matchLabels": service["spec"]["selector"]}, overlay.pod_labels(deployment))
        assert overlay.selects(deployment["spec"]["selector"], overlay.pod_labels(deployment))


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def _secret_key(entry: dict[str, Any] | None) -> str | None:
    reference = ((entry or {}).get("valueFrom") or {}).get("secretKeyRef") or {}
    if reference and reference.get("name") != SECRET_NAME:
        return None
    key = reference.get("key")
    return str(key) if key else None


def test_each_service_gets_the_secrets_the_contract_requires(overlay: KustomizeTree, contract: Contract) -> None:
    for name, spec in contract.services.items():
        pod = overlay.pod_spec(overlay.named("Deployment", name))
        (main,) = [c for c in pod["containers"] if c["name"] == name]
        env = _env(main)
        for secret in spec.secrets:
            assert _secret_key(env.get(secret)) == secret, f"{name}: {secret} from {SECRET_NAME}"
        assert _secret_key(env.get("DB_PASSWORD")) == spec.db_password_var, name
        url = env["DATABASE_URL"]["value"]
        assert url.startswith(f"postgresql://{name}:$(DB_PASSWORD)@"), url
        assert f"/{name}?" in url, url


def test_secret_values_come_only_from_secret_key_refs(overlay: KustomizeTree, contract: Contract) -> None:
    for workload in overlay.workloads():
        for container in overlay.containers(workload):
            where = f"{workload['metadata']['name']}/{container['name']}"
            for source in container.get("envFrom", []):
                assert "secretRef" not in source, f"{where}: envFrom secretRef hides which keys a pod gets"
            for entry in container.get("env", []):
                name = entry["name"]
                if name in contract.known_secrets or SECRET_NAME_PATTERN.search(name):
                    assert _secret_key(entry) is not None, f"{where}: {name} must come from secretKeyRef"
                value = str(entry.get("value", ""))
                # A URL may carry a password only as a $(VAR) reference.
                assert not re.search(r"://[^/@:\s]+:(?!\$\()[^@\s]+@", value), f"{where}: {name} embeds a credential"
    assert not set(overlay.config) & contract.known_secrets, "secrets in the ConfigMap"


def test_variable_references_resolve(overlay: KustomizeTree) -> None:
    # $(VAR) left unresolved stays literal in the pod: a typo would only show as a connection error.
    for workload in overlay.workloads():
        for container in overlay.containers(workload):
            defined = set(overlay.config) if container.get("envFrom") else set()
            where = f"{workload['metadata']['name']}/{container['name']}"
            for entry in container.get("env", []):
                for reference in re.findall(r"\$\((\w+)\)", str(entry.get("value", ""))):
                    assert reference in defined, f"{where}: {entry['name']} uses $({reference}) before it is set"
                defined.add(entry["name"])
            for argument in [*container.get("command", []), *container.get("args", [])]:
                for reference in re.findall(r"\$\((\w+)\)", argument):
                    assert reference in defined, f"{where}: argument uses undefined $({reference})"


def test_only_the_gateway_is_reachable_from_outside(overlay: KustomizeTree, contract: Contract) -> None:
    policies = overlay.of_kind("NetworkPolicy")
    default_deny = [
        p
        for p in policies
        if p["spec"]["podSelector"] == {"matchLabels": PART_OF}
        and p["spec"].get("policyTypes") == ["Ingress"]
        and not p["spec"].get("ingress")
    ]
    assert default_deny, "no default-deny ingress policy for the Sentry pods"
    gateway_labels = overlay.pod_labels(overlay.named("Deployment", "gateway"))
    for workload in overlay.workloads():
        labels = overlay.pod_labels(workload)
        name = workload["metadata"]["name"]
        assert overlay.selects(default_deny[0]["spec"]["podSelector"], labels), f"{name} escapes default deny"
        rules = [
            rule
            for policy in policies
            if overlay.selects(policy["spec"]["podSelector"], labels)
            for rule in policy["spec"].get("ingress", [])
        ]
        for rule in rules:
            peers = rule.get("from")
            external = not peers or any("namespaceSelector" in p or "ipBlock" in p for p in peers)
            assert not external or name == "gateway", f"{name} accepts traffic from outside the namespace"
        if name in contract.services and name != "gateway":
            port = contract.services[name].port
            assert rules, f"{name}: nothing may reach it"
            for rule in rules:
                assert all(overlay.selects(p["podSelector"], gateway_labels) for p in rule["from"]), name
                assert {p["port"] for p in rule["ports"]} == {port}, name
    gateway_ports = {
        p["port"]
        for policy in policies
        if overlay.selects(policy["spec"]["podSelector"], gateway_labels)
        for rule in policy["spec"].get("ingress", [])
        for p in rule.get("ports", [])
    }
    assert gateway_ports == {contract.services["gateway"].port}


def test_gateway_upstreams_use_contract_ports(overlay: KustomizeTree, contract: Contract) -> None:
    for name, spec in contract.services.items():
        if name != "gateway":
            assert overlay.config.get(f"{name.upper()}_URL") == f"http://{name}:{spec.port}", name


def test_gateway_has_a_disruption_budget(overlay: KustomizeTree) -> None:
    gateway_labels = overlay.pod_labels(overlay.named("Deployment", "gateway"))
    budgets = overlay.of_kind("PodDisruptionBudget")
    assert [b for b in budgets if overlay.selects(b["spec"]["selector"], gateway_labels)], (
        "no PodDisruptionBudget selects the gateway"
    )


def test_prod_uses_operator_run_kafka_and_postgres(overlays: dict[str, KustomizeTree], contract: Contract) -> None:
    prod = overlays["prod"]
    assert prod.replica_count("gateway") >= 2
    assert prod.config["KAFKA_BOOTSTRAP_SERVERS"].endswith("-kafka-bootstrap:9092"), "Strimzi bootstrap Service"
    assert prod.config["SENTRY_PG_HOST"].endswith("-rw"), "CloudNativePG read-write Service"
    assert prod.config["SENTRY_PG_SSLMODE"] in {"require", "verify-ca", "verify-full"}
    assert prod.config["SKIP_SEED"] == "true"
    images = [c["image"] for w in prod.workloads() for c in prod.containers(w)]
    assert not [i for i in images if re.match(r"(postgres|apache/kafka|.*kafka)", i)], "prod ships no Kafka/PostgreSQL"
    for name in contract.names:
        pyproject = tomllib.loads((REPO / "services" / name / "pyproject.toml").read_text())
        assert prod.images[f"sentry-wms/{name}"]["newTag"] == pyproject["project"]["version"], name


def test_dev_points_at_its_own_infrastructure(overlays: dict[str, KustomizeTree]) -> None:
    dev = overlays["dev"]
    services = {s["metadata"]["name"]: s for s in dev.of_kind("Service")}
    host, _, port = dev.config["KAFKA_BOOTSTRAP_SERVERS"].partition(":")
    assert int(port) in {p["port"] for p in services[host]["spec"]["ports"]}
    assert dev.config["SENTRY_PG_HOST"] in services
    assert dev.config["SKIP_SEED"] == "false"
    redis_host = re.match(r"redis://([^:/]+)", dev.config["REDIS_URL"])
    assert redis_host
    assert redis_host[1] in services


def test_readme_documents_every_secret_key(overlays: dict[str, KustomizeTree]) -> None:
    readme = (K8S / "README.md").read_text()
    keys = {
        key
        for tree in overlays.values()
        for workload in tree.workloads()
        for container in tree.containers(workload)
        for entry in container.get("env", [])
        if (key := _secret_key(entry))
    }
    assert keys
    per_service = re.compile(r"(GATEWAY|INVENTORY|INBOUND|DISPATCHER|CONNECTORS|AUDIT)_DB_PASSWORD")
    undocumented = [k for k in keys if f"`{k}`" not in readme and not per_service.fullmatch(k)]
    assert not undocumented, f"k8s/README.md does not list {undocumented}"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("overlay_name", ["dev", "prod"])
def test_kustomize_renders(overlay_name: str, overlays: dict[str, KustomizeTree]) -> None:
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(K8S / "overlays" / overlay_name)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in docs if d["kind"] not in {"ConfigMap"})
    walked = sorted((d["kind"], d["metadata"]["name"]) for _, d in overlays[overlay_name].documents)
    assert kinds == walked, "the test's view of the overlay differs from what kustomize builds"
    config = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("sentry-config"))
    assert config["data"] == overlays[overlay_name].config
