"""Valid events for the library's tests."""

from __future__ import annotations

from canonical.events.envelope import CloudEvent
from canonical.events.registry import default_registry


def _warehouse_event(name: str, warehouse_id: int, data: dict[str, object]) -> CloudEvent:
    event_type = default_registry().get(name, 1)
    return CloudEvent(
        source="/tests",
        type=event_type.name,
        subject=f"warehouse-{warehouse_id}",
        dataschema=event_type.dataschema,
        data=data,
    )


def warehouse_deleted(warehouse_id: int) -> CloudEvent:
    return _warehouse_event("warehouse.deleted", warehouse_id, {"warehouse_id": warehouse_id})


def warehouse_created(warehouse_id: int, code: str | None = None) -> CloudEvent:
    return _warehouse_event(
        "warehouse.created",
        warehouse_id,
        {
            "warehouse_id": warehouse_id,
            "warehouse_code": code or f"WH{warehouse_id}",
            "warehouse_name": "Test",
            "address": None,
            "is_active": True,
            "created_at": "2026-01-01T00:00:00+00:00",
        },
    )
