"""Registry of event types: name, schema version, bounded context, aggregate type.

Every type is a versioned JSON Schema (Draft 2020-12) at
`canonical/schemas/events/<type>/<version>.json`, which also names the type's
bounded context (`x-context`, hence its topic) and aggregate type
(`x-aggregate-type`). The registry refuses to load an invalid or incomplete
schema, so a broken contract fails at start-up, not on the first event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator

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
    schema: dict[str, Any] = field(compare=False, repr=False)
    # jsonschema-rs: every append validates its events, and the Rust validator takes about 1 us where the
    # pure-Python one took about 100 us per event (a pick confirm appends four). Formats stay annotations.
    validator: jsonschema_rs.Validator = field(compare=False, repr=False)

    @property
    def dataschema(self) -> str:
        return f"urn:sentry-wms:schema:events:{self.name}:{self.version}"

    def topic(self, prefix: str) -> str:
        return topic_name(prefix, self.context)

    def validate(self, data: dict[str, Any]) -> None:
        try:
            self.validator.validate(data)
        except jsonschema_rs.ValidationError as error:
            location = "/".join(str(p) for p in error.instance_path) or "(root)"
            raise EventSchemaViolation(self.name, self.version, f"{location}: {error.message}") from None
        except ValueError as error:  # a value JSON has no type for (a date object, say): not a valid event either
            raise EventSchemaViolation(self.name, self.version, str(error)) from None


def topic_name(prefix: str, context: str) -> str:
    """One topic per bounded context; the suffix versions the topic layout, not the events."""
    return f"{prefix}{context}.v1"


class EventRegistry:
    def __init__(self, types: dict[tuple[str, int], EventType]) -> None:
        self._types = types
        # Every append asks for each event's latest version: looked up, not searched for.
        self._latest: dict[str, EventType] = {}
        for (name, _), event_type in sorted(types.items()):
            self._latest[name] = event_type

    def get(self, name: str, version: int) -> EventType:
        try:
            return self._types[(name, version)]
        except KeyError:
            raise UnknownEventType(f"unknown event type {name} v{version}") from None

    def latest(self, name: str) -> EventType:
        try:
            return self._latest[name]
        except KeyError:
            raise UnknownEventType(f"unknown event type {name}") from None

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


SCHEMAS = resources.files("canonical") / "schemas" / "events"


def load_event_type(name: str, version: int) -> EventType:
    """Read `<name>/<version>.json`; its `x-context` and `x-aggregate-type` say where the type belongs."""
    path = SCHEMAS / name / f"{version}.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)  # the pure-Python one's metaschema messages are the clearer
    try:
        context, aggregate = str(schema["x-context"]), str(schema["x-aggregate-type"])
    except KeyError as missing:
        raise RuntimeError(f"{path} lacks {missing}: every event schema names its context and aggregate") from None
    if schema.get("$id") != f"urn:sentry-wms:schema:events:{name}:{version}":
        raise RuntimeError(f"{path} has $id {schema.get('$id')!r}, not the one its path implies")
    return EventType(name, version, context, aggregate, schema, jsonschema_rs.Draft202012Validator(schema))


@cache
def default_registry() -> EventRegistry:
    """Every schema file under canonical/schemas/events: adding an event type is adding its schema."""
    types = {}
    for folder in SCHEMAS.iterdir():
        if not folder.is_dir():
            continue
        for schema_file in folder.iterdir():
            if schema_file.name.endswith(".json"):
                version = int(schema_file.name.removesuffix(".json"))
                types[(folder.name, version)] = load_event_type(folder.name, version)
    return EventRegistry(types)
