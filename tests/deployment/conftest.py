"""Parsed views of the deployment artefacts, shared by the tests in this folder.

The only source of truth for services, ports and secrets is the tables of
docs/platform-contract.md: every artefact (Dockerfiles, compose files,
kustomize trees, Tiltfile) is checked against what they say, so a change to
the contract is checked everywhere at once. Helpers are methods of the
objects the fixtures return, as test modules cannot import one another.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CONTRACT = REPO / "docs" / "platform-contract.md"

# A secret the deployment files introduce beside the contract's: the password
# of the PostgreSQL administrator that runs migrations.
PLATFORM_SECRETS = frozenset({"POSTGRES_PASSWORD"})


def load_yaml_docs(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


# --- the contract -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    package: str
    script: str
    port: int
    # What the service requires and the deployment must supply from a secret.
    secrets: frozenset[str]

    @property
    def db_password_var(self) -> str:
        return f"{self.name.upper()}_DB_PASSWORD"


@dataclass(frozen=True)
class Contract:
    services: dict[str, ServiceSpec]

    @property
    def names(self) -> list[str]:
        return list(self.services)

    @property
    def known_secrets(self) -> frozenset[str]:
        names: set[str] = set(PLATFORM_SECRETS)
        for spec in self.services.values():
            names |= spec.secrets | {spec.db_password_var}
        return frozenset(names)


def markdown_tables(text: str) -> list[list[dict[str, str]]]:
    """Every pipe table of a markdown text, as rows keyed by header, backticks stripped."""
    tables: list[list[dict[str, str]]] = []
    block: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.lstrip().startswith("|"):
            block.append(line.strip())
            continue
        if len(block) >= 2:
            header = _cells(block[0])
            tables.append([dict(zip(header, _cells(row), strict=False)) for row in block[2:]])
        block = []
    return tables


def _cells(row: str) -> list[str]:
    return [cell.strip().replace("`", "") for cell in row.strip().strip("|").split("|")]


def parse_contract(text: str) -> Contract:
    tables = markdown_tables(text)
    service_rows = next(t for t in tables if t and "default port" in t[0])
    secret_rows = next(t for t in tables if t and set(t[0]) == {"service", "secrets"})
    env_rows = next(t for t in tables if t and {"variable", "default", "rule"} <= set(t[0]))

    def variables(cell: str) -> set[str]:
        return set(re.findall(r"\b[A-Z][A-Z0-9_]{2,}\b", cell))

    per_service = {row["service"]: variables(row["secrets"]) for row in secret_rows}
    # Common variables with no default ("(required, all but gateway)"), but
    # DATABASE_URL, which every deployment assembles from a password.
    common = {
        row["variable"]: set(re.findall(r"all but (\w+)", row["default"]))
        for row in env_rows
        if "required" in row["default"] and row["variable"] != "DATABASE_URL"
    }
    services = {}
    for row in service_rows:
        name = row["service"]
        required = per_service.get(name, set()) | {v for v, excluded in common.items() if name not in excluded}
        services[name] = ServiceSpec(
            name=name,
            package=row["import package"],
            script=row["console script"],
            port=int(row["default port"]),
            secrets=frozenset(required),
        )
    return Contract(services)


@pytest.fixture(scope="session")
def contract() -> Contract:
    return parse_contract(CONTRACT.read_text(encoding="utf-8"))


# --- compose ------------------------------------------------------------------------------------

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}, ${NAME:+x}
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<operator>:?[-?+])?(?P<argument>[^}]*)\}")
BARE_INTERPOLATION = re.compile(r"\$(?P<name>[A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Interpolation:
    name: str
    operator: str  # "" for ${NAME}, "$" for a bare $NAME
    argument: str


@dataclass(frozen=True)
class ComposeFile:
    variant: str
    path: Path
    data: dict[str, Any]

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        services: dict[str, dict[str, Any]] = self.data["services"]
        return services

    def one_shot(self, name: str) -> bool:
        return self.services[name].get("restart") == "no"

    def environment(self, name: str) -> dict[str, Any]:
        """The service's environment as a mapping, whichever syntax the file uses."""
        raw = self.services[name].get("environment") or {}
        if isinstance(raw, list):
            return {key: value or None for key, _, value in (item.partition("=") for item in raw)}
        environment: dict[str, Any] = raw
        return environment

    def strings(self) -> Iterator[str]:
        """Every string of the file (keys too), extension fields and commands included."""
        yield from _strings_in(self.data)

    def interpolations(self) -> Iterator[Interpolation]:
        for text in self.strings():
            unescaped = text.replace("$$", "")
            for match in INTERPOLATION.finditer(unescaped):
                yield Interpolation(match["name"], match["operator"] or "", match["argument"])
            for match in BARE_INTERPOLATION.finditer(INTERPOLATION.sub("", unescaped)):
                yield Interpolation(match["name"], "$", "")


def _strings_in(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from _strings_in(key)
            yield from _strings_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings_in(item)


COMPOSE_FILES = {"dev": REPO / "docker-compose.yml", "prod": REPO / "docker-compose.prod.yml"}


def load_compose(variant: str) -> ComposeFile:
    path = COMPOSE_FILES[variant]
    # safe_load resolves the anchors and << merge keys the files share blocks with.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a mapping"
    return ComposeFile(variant, path, data)


@pytest.fixture(scope="session", params=sorted(COMPOSE_FILES))
def compose(request: pytest.FixtureRequest) -> ComposeFile:
    return load_compose(str(request.param))


@pytest.fixture(scope="session")
def compose_prod() -> ComposeFile:
    return load_compose("prod")


@pytest.fixture(scope="session")
def compose_dev() -> ComposeFile:
    return load_compose("dev")


# --- Dockerfiles ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str

    def exec_form(self) -> list[str] | None:
        """The JSON array of ENTRYPOINT/CMD/HEALTHCHECK CMD, or None for the shell form."""
        text = self.arguments.split("CMD", 1)[1] if self.keyword == "HEALTHCHECK" else self.arguments
        try:
            parsed = json.loads(text.strip())
        except json.JSONDecodeError:
            return None
        return [str(item) for item in parsed] if isinstance(parsed, list) else None


@dataclass(frozen=True)
class Stage:
    base: str
    alias: str
    instructions: list[Instruction]

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


@dataclass(frozen=True)
class Dockerfile:
    path: Path
    stages: list[Stage]

    @property
    def runtime(self) -> Stage:
        return self.stages[-1]

    def stage(self, alias: str) -> Stage:
        return next(s for s in self.stages if s.alias == alias)

    @classmethod
    def parse(cls, path: Path) -> Dockerfile:
        logical: list[str] = []
        pending = ""
        for raw in path.read_text(encoding="utf-8").splitlines():
            stripped = raw.strip()
            if stripped.startswith("#") or not stripped:
                continue  # comments (and parser directives) may sit inside a continued instruction
            if stripped.endswith("\\"):
                pending += stripped[:-1] + " "
                continue
            logical.append(pending + stripped)
            pending = ""
        stages: list[Stage] = []
        for line in logical:
            keyword, _, arguments = line.partition(" ")
            instruction = Instruction(keyword.upper(), " ".join(arguments.split()))
            if instruction.keyword == "FROM":
                words = instruction.arguments.split()
                alias = words[2] if len(words) >= 3 and words[1].upper() == "AS" else ""
                stages.append(Stage(words[0], alias, []))
            elif stages:
                stages[-1].instructions.append(instruction)
        return cls(path, stages)


@pytest.fixture(scope="session")
def dockerfiles(contract: Contract) -> dict[str, Dockerfile]:
    return {name: Dockerfile.parse(REPO / "services" / name / "Dockerfile") for name in contract.names}


# --- kustomize ------------------------------------------------------------------------------------

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Job"})


@dataclass
class KustomizeTree:
    """What a kustomization directory brings together, read without kustomize.

    Enough to check what an overlay deploys: the manifests it reaches, the
    merged values of the sentry-config ConfigMap, the replica and image
    overrides. A listed file that does not exist fails, as it would in
    kustomize.
    """

    root: Path
    documents: list[tuple[Path, dict[str, Any]]] = field(default_factory=list)
    files: set[Path] = field(default_factory=set)
    config: dict[str, str] = field(default_factory=dict)
    replicas: dict[str, int] = field(default_factory=dict)
    images: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def walk(cls, directory: Path) -> KustomizeTree:
        tree = cls(root=directory)
        tree._add(directory)
        return tree

    def _add(self, directory: Path) -> None:
        kustomization_file = directory / "kustomization.yaml"
        assert kustomization_file.is_file(), f"{directory} has no kustomization.yaml"
        self.files.add(kustomization_file.resolve())
        kustomization = yaml.safe_load(kustomization_file.read_text(encoding="utf-8")) or {}

        def existing(relative: str) -> Path:
            path = (directory / relative).resolve()
            assert path.exists(), f"{kustomization_file.relative_to(REPO)} lists {relative}, which does not exist"
            self.files.add(path)
            return path

        for entry in [*kustomization.get("resources", []), *kustomization.get("components", [])]:
            path = existing(entry)
            if path.is_dir():
                self._add(path)
            else:
                self.documents += [(path, doc) for doc in load_yaml_docs(path)]
        for generator in kustomization.get("configMapGenerator", []):
            values: dict[str, str] = {}
            for env_file in generator.get("envs", []):
                values |= parse_env_file(existing(env_file))
            for source in generator.get("files", []):
                existing(source.rpartition("=")[2])
            for literal in generator.get("literals", []):
                key, _, value = literal.partition("=")
                values[key] = value
            if generator["name"] == "sentry-config":
                self.config |= values
        for patch in kustomization.get("patches", []):
            if "path" in patch:
                existing(patch["path"])
        for item in kustomization.get("replicas", []):
            self.replicas[item["name"]] = int(item["count"])
        for item in kustomization.get("images", []):
            self.images[item["name"]] = item

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [doc for _, doc in self.documents if doc.get("kind") == kind]

    def named(self, kind: str, name: str) -> dict[str, Any]:
        return next(doc for doc in self.of_kind(kind) if doc["metadata"]["name"] == name)

    def workloads(self) -> list[dict[str, Any]]:
        return [doc for _, doc in self.documents if doc.get("kind") in WORKLOAD_KINDS]

    def replica_count(self, name: str) -> int:
        return self.replicas.get(name, int(self.named("Deployment", name)["spec"].get("replicas", 1)))

    @staticmethod
    def pod_spec(workload: Mapping[str, Any]) -> dict[str, Any]:
        spec: dict[str, Any] = workload["spec"]["template"]["spec"]
        return spec

    @staticmethod
    def pod_labels(workload: Mapping[str, Any]) -> dict[str, str]:
        labels: dict[str, str] = workload["spec"]["template"]["metadata"]["labels"]
        return labels

    @classmethod
    def containers(cls, workload: Mapping[str, Any]) -> list[dict[str, Any]]:
        spec = cls.pod_spec(workload)
        return [*spec.get("initContainers", []), *spec["containers"]]

    @staticmethod
    def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
        """Kubernetes label-selector semantics: matchLabels and matchExpressions."""
        for key, value in (selector.get("matchLabels") or {}).items():
            if labels.get(key) != value:
                return False
        for expression in selector.get("matchExpressions") or []:
            key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
            if (
                (operator == "In" and labels.get(key) not in values)
                or (operator == "NotIn" and labels.get(key) in values)
                or (operator == "Exists" and key not in labels)
                or (operator == "DoesNotExist" and key in labels)
            ):
                return False
        return True


def parse_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path}: line without '=': {raw!r}"
        values[key.strip()] = value.strip()
    return values


OVERLAYS = ("dev", "prod")


@pytest.fixture(scope="session")
def overlays() -> dict[str, KustomizeTree]:
    return {name: KustomizeTree.walk(REPO / "k8s" / "overlays" / name) for name in OVERLAYS}


@pytest.fixture(scope="session", params=OVERLAYS)
def overlay(request: pytest.FixtureRequest, overlays: dict[str, KustomizeTree]) -> KustomizeTree:
    return overlays[str(request.param)]


@pytest.fixture(scope="session")
def optional_components() -> dict[str, KustomizeTree]:
    """Components no overlay includes by default; an operator opts in."""
    return {"monitoring": KustomizeTree.walk(REPO / "k8s" / "components" / "monitoring")}
