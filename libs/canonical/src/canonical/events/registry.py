"""Registry of event types: name, schema version, bounded context, aggregate type.

Every type has a versioned JSON Schema (Draft 2020-12) under
`canonical/schemas/events/<type>/<version>.json`; the registry refuses to load
when one is missing or invalid, so a broken contract fails at import, not on the
first event in production.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaValidationError

from canonical.events.envelope import CloudEvent


class UnknownEventType(LookupError):
    pass


class EventSchemaViolation(ValueError):
    def __init__(self, event_type: str, version: int, problem: str) -> None:
        super().__init__(f"{event_type} v{version} does not match its schema: {problem}")
        self.event_type = event_type
        self.version = version


@dataclass(frozen=True)
class EventType:
    name: str
    version: int
    context: str
    aggregate_type: str
    validator: Draft202012Validator = field(compare=False, repr=False)

    @property
    def dataschema(self) -> str:
        return f"urn:sentry-wms:schema:events:{self.name}:{self.version}"

    def topic(self, prefix: str) -> str:
        return topic_name(prefix, self.context)

    def validate(self, data: dict[str, Any]) -> None:
        try:
            self.validator.validate(data)
        except SchemaValidationError as error:
            location = "/".join(str(p) for p in error.absolute_path) or "(root)"
            raise EventSchemaViolation(self.name, self.version, f"{location}: {error.message}") from None


def topic_name(prefix: str, context: str) -> str:
    """One topic per bounded context; the suffix versions the topic layout, not the events."""
    return f"{prefix}{context}.v1"


# (type, version) -> (bounded context, aggregate type). Adding a type means adding
# its schema file and a row here; the registry checks both exist.
CATALOG: dict[tuple[str, int], tuple[str, str]] = {
    ("warehouse.created", 1): ("catalog", "warehouse"),
}


class EventRegistry:
    def __init__(self, types: dict[tuple[str, int], EventType]) -> None:
        self._types = types

    def get(self, name: str, version: int) -> EventType:
        try:
            return self._types[(name, version)]
        except KeyError:
            raise UnknownEventType(f"unknown event type {name} v{version}") from None

    def latest(self, name: str) -> EventType:
        versions = [t for (n, _), t in self._types.items() if n == name]
        if not versions:
            raise UnknownEventType(f"unknown event type {name}")
        return max(versions, key=lambda t: t.version)

    def for_event(self, event: CloudEvent) -> EventType:
        return self.get(event.type, schema_version_of(event))

    def contexts(self) -> set[str]:
        return {t.context for t in self._types.values()}

    def all(self) -> list[EventType]:
        return sorted(self._types.values(), key=lambda t: (t.name, t.version))


def schema_version_of(event: CloudEvent) -> int:
    """The schema version is the last segment of `dataschema`; events without one are version 1."""
    if event.dataschema is None:
        return 1
    try:
        return int(event.dataschema.rsplit(":", 1)[-1])
    except ValueError:
        raise UnknownEventType(f"unreadable dataschema {event.dataschema!r}") from None


def load_schema(name: str, version: int) -> dict[str, Any]:
    path = resources.files("canonical") / "schemas" / "events" / name / f"{version}.json"
    try:
        schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuntimeError(f"event type {name} v{version} has no schema file at {path}") from None
    Draft202012Validator.check_schema(schema)
    return schema


@cache
def default_registry() -> EventRegistry:
    types = {
        (name, version): EventType(name, version, context, aggregate, Draft202012Validator(load_schema(name, version)))
        for (name, version), (context, aggregate) in CATALOG.items()
    }
    return EventRegistry(types)
