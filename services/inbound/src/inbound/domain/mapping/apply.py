"""Applying a mapping document to one source payload, without I/O.

Cross-system references are resolved in two steps so this module stays pure:
`lookups_needed` says which (source system, type, id) keys the payload refers
to, the caller fetches them, and `apply_mapping` uses what was found.

Per field, in order of precedence (as Sentry v1.7):
1. `derived`: evaluated, unless `when_present` names a path that is absent, in
   which case the field falls back to its `source_path` / `default`;
2. `cross_system_lookup`: the source id at `source_path` becomes the canonical
   id it maps to; absent id -> null; unknown id -> 409 when required, else null;
3. plain path, then `default`; still null and `required` -> 422.
`enum` values must be one of `enum_values`. The mapped record is then
validated against the canonical model (`canonical.models`): a value of the
wrong type is a 422 here, not a database error later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonpath_ng.exceptions import JsonPathParserError
from jsonpath_ng.parser import parse as parse_jsonpath
from pydantic import ValidationError

from canonical.models import CANONICAL_MODELS
from inbound.domain.mapping.document import FieldMapping, FieldType, MappingDocument, Resource
from inbound.domain.mapping.errors import CrossSystemLookupMiss, MappingApplyError
from inbound.domain.mapping.expressions import evaluate


@dataclass(frozen=True)
class LookupKey:
    source_system: str
    source_type: str
    source_id: str


@dataclass(frozen=True)
class MappedRecord:
    canonical_type: str
    canonical_payload: dict[str, Any]  # exactly the fields the document declares, validated

    @property
    def field_set(self) -> list[str]:
        return sorted(self.canonical_payload)


@lru_cache(maxsize=1024)
def _compiled(path: str) -> Any:
    try:
        return parse_jsonpath(path)
    except (JsonPathParserError, Exception) as error:  # jsonpath-ng raises bare Exceptions on some input
        raise MappingApplyError(f"invalid JSONPath {path!r}: {error}") from None


def find(path: str, payload: Any) -> Any:
    values = [match.value for match in _compiled(path).find(payload)]
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def _lookup_key(field: FieldMapping, payload: Any, source_system: str) -> LookupKey | None:
    # Both are guaranteed by the document model (a lookup needs a source path).
    assert field.cross_system_lookup is not None
    assert field.source_path is not None
    source_id = find(field.source_path, payload)
    if source_id is None or isinstance(source_id, list):
        return None
    return LookupKey(
        field.cross_system_lookup.source_system or source_system,
        field.cross_system_lookup.source_type.value,
        str(source_id),
    )


def _plain(field: FieldMapping, payload: Any) -> Any:
    value = find(field.source_path, payload) if field.source_path else None
    if value is None:
        value = field.default
    if value is None and field.required:
        raise MappingApplyError(f"required path missing for {field.canonical!r} ({field.source_path})")
    return value


def resolve_field(field: FieldMapping, payload: Any, source_system: str, found: Mapping[LookupKey, str]) -> Any:
    if field.derived is not None and (
        field.derived.when_present is None or find(field.derived.when_present, payload) is not None
    ):
        value = evaluate(field.derived.expression, payload)
    elif field.cross_system_lookup is not None:
        key = _lookup_key(field, payload, source_system)
        value = None if key is None else found.get(key)
        if key is not None and value is None and field.required:
            raise CrossSystemLookupMiss(
                f"{key.source_type} {key.source_id} from {key.source_system} has not been received yet.",
                missing={
                    "source_system": key.source_system,
                    "source_type": key.source_type,
                    "source_id": key.source_id,
                },
            )
    else:
        value = _plain(field, payload)
    if field.type is FieldType.ENUM and value is not None and value not in (field.enum_values or []):
        raise MappingApplyError(f"{field.canonical!r} is {value!r}, not one of {field.enum_values}")
    return value


def _blocks(document: MappingDocument, resource: Resource, payload: Any) -> list[Any]:
    lines = document.resources[resource].line_items
    if lines is None:
        return []
    return [match.value for match in _compiled(lines.source_path).find(payload)]


def lookups_needed(document: MappingDocument, resource: Resource, payload: Any) -> set[LookupKey]:
    mapping = document.resources[resource]
    scopes = [(mapping.fields, payload)]
    if mapping.line_items is not None:
        scopes += [(mapping.line_items.fields, block) for block in _blocks(document, resource, payload)]
    keys = set()
    for fields, scope in scopes:
        for field in fields:
            if field.cross_system_lookup is not None and (key := _lookup_key(field, scope, document.source_system)):
                keys.add(key)
    return keys


def apply_mapping(
    document: MappingDocument, resource: Resource, payload: Any, found: Mapping[LookupKey, str]
) -> MappedRecord:
    mapping = document.resources[resource]
    record = {f.canonical: resolve_field(f, payload, document.source_system, found) for f in mapping.fields}
    if mapping.line_items is not None:
        record[mapping.line_items.canonical_path] = [
            {f.canonical: resolve_field(f, block, document.source_system, found) for f in mapping.line_items.fields}
            for block in _blocks(document, resource, payload)
        ]
    return MappedRecord(mapping.canonical_type.value, _validated(mapping.canonical_type.value, record))


def _validated(canonical_type: str, record: dict[str, Any]) -> dict[str, Any]:
    """Check the mapped values against the canonical model; keep only what the document declared."""
    try:
        model = CANONICAL_MODELS[canonical_type].model_validate(record)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors(include_url=False)
        )
        raise MappingApplyError(f"the mapped {canonical_type} is not valid: {problems}") from None
    return model.model_dump(mode="json", exclude_unset=True)
