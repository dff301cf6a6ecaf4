"""One OpenAPI document for the whole public API: the gateway's own routes plus what each service publishes.

Pure: the documents come in, the merged document goes out. Only `/api/` paths are public; a service
contributes only those the gateway really routes to it (anything another service owns stays out), and a schema
name two services use for different shapes is renamed `<service>.<name>` in the later one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

REF_PREFIX = "#/components/schemas/"
PUBLIC_PREFIX = "/api/"

Owns = Callable[[str, str], bool]  # (service, path) -> does the gateway route this path to that service?


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        rewritten = {key: _rewrite_refs(value, renames) for key, value in node.items()}
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX) and ref[len(REF_PREFIX) :] in renames:
            rewritten["$ref"] = REF_PREFIX + renames[ref[len(REF_PREFIX) :]]
        return rewritten
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def merge_documents(
    own: dict[str, Any], services: Sequence[tuple[str, dict[str, Any]]], owns: Owns, unavailable: Sequence[str]
) -> dict[str, Any]:
    """`own` wins every clash; `unavailable` names the services whose part is missing (said in the document)."""
    merged = copy.deepcopy(own)
    # Probes and metrics (/healthz, /readyz, /metrics) are for operators, not part of the public API.
    paths: dict[str, Any] = {p: item for p, item in (merged.get("paths") or {}).items() if p.startswith(PUBLIC_PREFIX)}
    merged["paths"] = paths
    schemas: dict[str, Any] = merged.setdefault("components", {}).setdefault("schemas", {})
    for service, document in services:
        theirs: dict[str, Any] = (document.get("components") or {}).get("schemas") or {}
        renames = {name: f"{service}.{name}" for name, shape in theirs.items() if schemas.get(name, shape) != shape}
        for name, shape in theirs.items():
            schemas[renames.get(name, name)] = _rewrite_refs(shape, renames)
        for path, item in (document.get("paths") or {}).items():
            if path.startswith(PUBLIC_PREFIX) and owns(service, path) and path not in paths:
                paths[path] = _rewrite_refs(item, renames)
    if unavailable:
        # Degraded, not failed: clients still get every part that could be read, and are told what is missing.
        merged["x-sentry-unavailable-services"] = sorted(unavailable)
    return merged
