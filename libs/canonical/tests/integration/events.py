"""Valid events for the library's tests."""

from __future__ import annotations

from canonical.events.envelope import CloudEvent
from canonical.events.registry import default_registry


def warehouse_created(warehouse_id: int, code: str | None = None) -> CloudEvent:
    event_type = default_registry().get("warehouse.created", 1)
    return CloudEvent(
        source="/tests",
        type=event_type.name,
        subject=f"warehouse-{warehouse_id}",
        dataschema=event_type.dataschema,
        data={
            "warehouse_id": warehouse_id,
            "warehouse_code": code or f"WH{warehouse_id}",
            "warehouse_name": "Test",
            "address": None,
            "is_active": True,
            "created_at": "2026-01-01T00:00:00+00:00",
        },
    )
