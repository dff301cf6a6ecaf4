"""The Tiltfile: builds every contract service, applies the dev overlay, forwards the gateway."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.deployment.conftest import Contract, KustomizeTree

REPO = Path(__file__).resolve().parents[2]
# Starlark, in the subset that is also Python syntax, so ast can read it.
TILTFILE = ast.parse((REPO / "Tiltfile").read_text(encoding="utf-8"))


def _literal(name: str) -> list[str]:
    for node in TILTFILE.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            value = ast.literal_eval(node.value)
            assert isinstance(value, list), f"{name} should be a list literal"
            return [str(item) for item in value]
    raise AssertionError(f"the Tiltfile defines no {name}")


def _calls(function: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(TILTFILE)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == function
    ]


def _keyword(call: ast.Call, name: str) -> object:
    return next(ast.literal_eval(k.value) for k in call.keywords if k.arg == name)


def test_builds_every_contract_service(contract: Contract) -> None:
    assert _literal("SERVICES") == contract.names
    (build,) = _calls("docker_build")
    reference = build.args[0]
    # "sentry-wms/" + name, with the repository root as context and the service's Dockerfile.
    assert isinstance(reference, ast.BinOp)
    assert ast.literal_eval(reference.left) == "sentry-wms/"
    assert ast.literal_eval(build.args[1]) == "."


def test_secret_keys_cover_the_dev_overlay(overlays: dict[str, KustomizeTree]) -> None:
    dev = overlays["dev"]
    referenced = {
        entry["valueFrom"]["secretKeyRef"]["key"]
        for workload in dev.workloads()
        for container in dev.containers(workload)
        for entry in container.get("env", [])
        if "secretKeyRef" in entry.get("valueFrom", {})
    }
    assert referenced == set(_literal("SECRET_KEYS"))


def test_applies_the_dev_overlay_and_forwards_the_gateway(contract: Contract) -> None:
    (kustomize,) = _calls("kustomize")
    assert ast.literal_eval(kustomize.args[0]) == "k8s/overlays/dev"
    (gateway,) = [
        c
        for c in _calls("k8s_resource")
        if c.args and isinstance(c.args[0], ast.Constant) and c.args[0].value == "gateway"
    ]
    port = contract.services["gateway"].port
    assert _keyword(gateway, "port_forwards") == [f"{port}:{port}"]
