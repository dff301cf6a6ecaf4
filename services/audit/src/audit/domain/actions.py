"""How a domain event reads in the audit log: action type, entity, actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from audit.domain.chain import AuditEntry

# Event types whose audit action differs from the default naming.
_ACTIONS: dict[str, tuple[str, str]] = {
    "warehouse.created": ("WAREHOUSE_CREATE", "WAREHOUSE"),
}


@dataclass(frozen=True)
class ObservedEvent:
    """The envelope fields the audit log needs, free of any transport type."""

    event_id: str
    event_type: str
    subject: str | None
    actor: str | None
    warehouse_id: int | None
    device_id: str | None
    data: dict[str, Any]
    time: datetime


def default_action(event_type: str) -> tuple[str, str]:
    """`stock.moved` -> ("STOCK_MOVED", "STOCK"): readable for types added before this table knows them."""
    return event_type.replace(".", "_").upper(), event_type.split(".", 1)[0].upper()


def audit_entry_for(event: ObservedEvent) -> AuditEntry:
    action_type, entity_type = _ACTIONS.get(event.event_type) or default_action(event.event_type)
    return AuditEntry(
        event_id=event.event_id,
        action_type=action_type,
        entity_type=entity_type,
        entity_id=event.subject or "",
        actor=event.actor or "system",
        warehouse_id=event.warehouse_id,
        device_id=event.device_id,
        details={"event_type": event.event_type, "data": event.data},
        created_at=event.time,
    )
