"""How a domain event reads in the audit log: action type, entity, actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from audit.domain.chain import AuditEntry

# Event types whose audit action differs from the default naming: Sentry v1.7's
# action types and entity types (domain.md A.5, integration-security §5.1),
# so existing reports and filters keep working.
_ACTIONS: dict[str, tuple[str, str]] = {
    "warehouse.created": ("WAREHOUSE_CREATE", "WAREHOUSE"),
    "receipt.completed": ("RECEIVE", "PO"),
    "receipt.cancelled": ("RECEIVE_CANCEL", "PO"),
    "put_away.completed": ("PUTAWAY", "ITEM"),
    "preferred_bin.saved": ("PREFERRED_BIN_UPDATE", "ITEM"),
    "preferred_bin.removed": ("PREFERRED_BIN_UPDATE", "ITEM"),
    "pick.confirmed": ("PICK", "SO"),
    "pick_batch.completed": ("PICK", "BATCH"),
    "pack.confirmed": ("PACK", "SO"),
    "ship.confirmed": ("SHIP", "SO"),
    "transfer.completed": ("TRANSFER", "ITEM"),
    "adjustment.applied": ("ADJUST", "ITEM"),
    "cycle_count.adjusted": ("COUNT", "BIN"),
    "cycle_count.self_approved": ("SELF_APPROVED_COUNT", "BIN"),
    "user.password_changed": ("password_change", "user"),
    "api_token.issued": ("TOKEN_ISSUE", "WMS_TOKEN"),
    "api_token.rotated": ("TOKEN_ROTATE", "WMS_TOKEN"),
    "api_token.revoked": ("TOKEN_REVOKE", "WMS_TOKEN"),
    "api_token.deleted": ("TOKEN_DELETE", "WMS_TOKEN"),
}

# v1.7 tells a forced password change from a voluntary one by the action name;
# the event says which in its `action` field.
_PASSWORD_ACTIONS = frozenset({"password_change", "forced_password_change_completed"})

# Fields of an event's data that name its entity, most specific first: what
# v1.7 showed as entity_name (ITEM -> sku, SO -> so_number, PO -> po_number,
# BIN -> bin_code), and the same idea for the other master data.
_NAME_FIELDS = ("sku", "so_number", "po_number", "bin_code", "warehouse_code", "zone_code", "username", "item_name")


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
    if event.event_type == "user.password_changed" and event.data.get("action") in _PASSWORD_ACTIONS:
        action_type = str(event.data["action"])
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


@dataclass(frozen=True)
class EntityName:
    entity_type: str
    entity_id: str
    name: str


def entity_name_in(entry: AuditEntry, data: dict[str, Any]) -> EntityName | None:
    """The human name an event gives its entity, if it carries one (the audit service reads no other database)."""
    for field in _NAME_FIELDS:
        value = data.get(field)
        if isinstance(value, str) and value:
            return EntityName(entry.entity_type, entry.entity_id, value)
    return None


def warehouse_code_in(data: dict[str, Any]) -> tuple[int, str] | None:
    """Events that describe a warehouse teach the log its code, shown beside warehouse_id."""
    warehouse_id, code = data.get("warehouse_id"), data.get("warehouse_code")
    if isinstance(warehouse_id, int) and isinstance(code, str) and code:
        return warehouse_id, code
    return None
