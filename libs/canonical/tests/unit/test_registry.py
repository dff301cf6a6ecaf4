from datetime import date
from pathlib import Path

import pytest

import canonical
from canonical.events.envelope import CloudEvent
from canonical.events.registry import EventSchemaViolation, UnknownEventType, default_registry

SCHEMA_ROOT = Path(canonical.__file__).parent / "schemas" / "events"

VALID_WAREHOUSE = {
    "warehouse_id": 1,
    "warehouse_code": "WH1",
    "warehouse_name": "Main",
    "address": None,
    "is_active": True,
    "created_at": "2026-01-01T00:00:00+00:00",
}


def test_every_schema_file_is_a_registered_type_with_a_context_and_aggregate() -> None:
    registry = default_registry()
    files = {(p.parent.name, int(p.stem)) for p in SCHEMA_ROOT.glob("*/*.json")}
    assert {(t.name, t.version) for t in registry.all()} == files
    assert all(t.context and t.aggregate_type for t in registry.all())


def test_schema_rejects_missing_and_unknown_fields() -> None:
    warehouse_created = default_registry().get("warehouse.created", 1)
    warehouse_created.validate(VALID_WAREHOUSE)
    with pytest.raises(EventSchemaViolation, match="warehouse_name"):
        warehouse_created.validate({k: v for k, v in VALID_WAREHOUSE.items() if k != "warehouse_name"})
    with pytest.raises(EventSchemaViolation, match="surprise"):
        warehouse_created.validate({**VALID_WAREHOUSE, "surprise": 1})
    with pytest.raises(EventSchemaViolation, match="warehouse_code: 5 is not of type"):
        warehouse_created.validate({**VALID_WAREHOUSE, "warehouse_code": 5})
    with pytest.raises(EventSchemaViolation, match="date"):  # not JSON at all: refused the same way
        warehouse_created.validate({**VALID_WAREHOUSE, "created_at": date(2026, 1, 1)})


def test_topic_is_one_per_bounded_context() -> None:
    assert default_registry().get("warehouse.created", 1).topic("wms.") == "wms.catalog.v1"


def test_the_schema_version_is_read_from_dataschema() -> None:
    registry = default_registry()
    warehouse_created = registry.get("warehouse.created", 1)
    event = CloudEvent(source="/s", type="warehouse.created", dataschema=warehouse_created.dataschema, data={})
    assert registry.for_event(event) is warehouse_created
    with pytest.raises(UnknownEventType):
        registry.for_event(CloudEvent(source="/s", type="warehouse.created", dataschema="urn:x:9", data={}))
    with pytest.raises(UnknownEventType):
        registry.get("no.such.type", 1)
