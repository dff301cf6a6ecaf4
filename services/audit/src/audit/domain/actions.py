"""How a domain event reads in the audit log: action type, entity, actor.

Names come from rules on the event type `<family>.<verb>` rather than a list
of types, so an event type added later lands under its family's name instead
of falling through:

- floor workflows keep Sentry v1.7's action for the whole family
  (`pick_batch.*` -> PICK, `cycle_count.*` -> COUNT, `adjustment.*` -> ADJUST,
  ...; domain.md A.5, integration-security §5.1), with v1.7's variants where
  it has them (RECEIVE_CANCEL, SELF_APPROVED_COUNT, PUTAWAY moves);
- everything else is `<PREFIX>_<VERB>` in v1.7's style (TOKEN_ISSUE,
  WEBHOOK_SUBSCRIPTION_CREATE, ITEM_UPDATE, SO_CANCEL, ...), the verb in the
  imperative; and v1.7's own names where they differ (password_change,
  WEBHOOK_SUBSCRIPTION_DELETE_SOFT, MAPPING_DOCUMENT_LOAD, inbound CREATE/UPDATE).

A type with no rule (a new family, or a verb this module cannot put in the
imperative) is still recorded, named by `default_action`: nothing is dropped
for lack of a name; the consumer logs it and a test holds every registered
schema to a rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from audit.domain.chain import AuditEntry

# Last word of an event verb (past participle) -> v1.7's imperative form.
_IMPERATIVE = {
    "accepted": "ACCEPT",
    "added": "ADD",
    "adjusted": "ADJUST",
    "allocated": "ALLOCATE",
    "allowlisted": "ADD",
    "applied": "APPLY",
    "cancelled": "CANCEL",
    "changed": "CHANGE",
    "closed": "CLOSE",
    "completed": "COMPLETE",
    "confirmed": "CONFIRM",
    "created": "CREATE",
    "deleted": "DELETE",
    "disabled": "DISABLE",
    "failed": "FAIL",
    "issued": "ISSUE",
    "loaded": "LOAD",
    "packed": "PACK",
    "paused": "PAUSE",
    "picked": "PICK",
    "received": "RECEIVE",
    "recorded": "RECORD",
    "released": "RELEASE",
    "removed": "REMOVE",
    "reopened": "REOPEN",
    "replayed": "REPLAY",
    "resumed": "RESUME",
    "reversed": "REVERSE",
    "reviewed": "REVIEW",
    "revoked": "REVOKE",
    "rotated": "ROTATE",
    "saved": "SAVE",
    "shipped": "SHIP",
    "shorted": "SHORT",
    "signed": "SIGN",
    "started": "START",
    "submitted": "SUBMIT",
    "updated": "UPDATE",
    "verified": "VERIFY",
    "withdrawn": "WITHDRAW",
}


@dataclass(frozen=True)
class Family:
    """The audit naming of every event type `<family>.<verb>`."""

    entity_type: str
    action: str | None = None  # one v1.7 action for the whole family; else <prefix>_<VERB>
    prefix: str | None = None  # defaults to the entity type
    verbs: Mapping[str, str] = field(default_factory=dict)  # verb -> action, where v1.7 says otherwise

    def action_for(self, verb: str) -> str | None:
        if verb in self.verbs:
            return self.verbs[verb]
        if self.action is not None:
            return self.action
        *words, last = verb.split("_")
        imperative = _IMPERATIVE.get(last)
        if imperative is None:
            return None
        return "_".join([self.prefix or self.entity_type, *(w.upper() for w in words), imperative])


_FAMILIES: dict[str, Family] = {
    # Floor workflows: Sentry v1.7's action names.
    "receipt": Family("PO", "RECEIVE", verbs={"cancelled": "RECEIVE_CANCEL"}),
    "put_away": Family("ITEM", "PUTAWAY"),
    "transfer": Family("ITEM", "TRANSFER"),
    "preferred_bin": Family("ITEM", "PREFERRED_BIN_UPDATE"),
    "pick": Family("SO", "PICK"),
    "pick_batch": Family("BATCH", "PICK"),
    "pick_task": Family("BATCH", "PICK"),
    "pack": Family("SO", "PACK"),
    "ship": Family("SO", "SHIP"),
    "adjustment": Family("ITEM", "ADJUST"),
    "cycle_count": Family("BIN", "COUNT", verbs={"self_approved": "SELF_APPROVED_COUNT"}),
    # Order state and master data (v1.7 did not audit these; the rebuild audits every change).
    # PICK/PACK/SHIP stay the confirmations' names, so each floor action counts once under them.
    "sales_order": Family("SO"),
    "purchase_order": Family("PO"),
    "item": Family("ITEM"),
    "bin": Family("BIN"),
    "zone": Family("ZONE"),
    "warehouse": Family("WAREHOUSE"),
    "customer": Family("CUSTOMER"),
    "vendor": Family("VENDOR"),
    "stock": Family("ITEM", prefix="STOCK"),
    "settings": Family("SETTINGS"),
    # Identity.
    "user": Family("user", prefix="USER", verbs={"password_changed": "password_change"}),
    "session": Family("SESSION"),
    "api_token": Family("WMS_TOKEN", prefix="TOKEN"),
    # Integration: every webhook.<noun>_<verb> is WEBHOOK_<NOUN>_<VERB> (see _refine for v1.7's variants).
    "webhook": Family(
        "WEBHOOK_SUBSCRIPTION", prefix="WEBHOOK", verbs={"subscription_secret_rotated": "WEBHOOK_SECRET_ROTATE"}
    ),
    # Polling owners and cursors (integration-security 4.5, V-221).
    "connector_registry": Family("CONNECTOR", prefix="CONNECTOR_REGISTRY"),
    "consumer_group": Family("CONSUMER_GROUP"),
    "inbound": Family(
        "INBOUND_SOURCE_SYSTEM",
        prefix="INBOUND",
        verbs={
            "mapping_document_loaded": "MAPPING_DOCUMENT_LOAD",
            "source_system_allowlisted": "INBOUND_ALLOWLIST_ADD",
            "source_system_removed": "INBOUND_ALLOWLIST_REMOVE",
        },
    ),
    # The log's own checkpoints (published on the audit topic, which the log does not read).
    "audit": Family("AUDIT_LOG", prefix="AUDIT"),
}

# v1.7 tells a forced password change from a voluntary one by the action name;
# the event says which in its `action` field.
_PASSWORD_ACTIONS = frozenset({"password_change", "forced_password_change_completed"})
# Pauses the dispatcher takes by itself (ceilings, failing endpoint), as opposed to an admin's.
_MANUAL_PAUSE = "manual"


def _inbound_record(action: str, entity_type: str, data: Mapping[str, Any]) -> tuple[str, str]:
    resource = data.get("resource")
    entity = f"INBOUND_{resource.upper()}" if isinstance(resource, str) and resource else "INBOUND_RECORD"
    return action, entity


def _refine(event_type: str, action: str, entity_type: str, data: Mapping[str, Any]) -> tuple[str, str]:
    """v1.7's distinctions that depend on the event's data, not only its type."""
    if event_type == "user.password_changed" and data.get("action") in _PASSWORD_ACTIONS:
        return str(data["action"]), entity_type
    if event_type == "transfer.recorded" and data.get("transfer_type") == "PUTAWAY":
        return "PUTAWAY", entity_type
    if event_type == "adjustment.reviewed" and data.get("self_approved") is True:
        return "SELF_APPROVED_COUNT", "BIN"
    if event_type == "webhook.subscription_deleted":
        return (
            "WEBHOOK_SUBSCRIPTION_DELETE_HARD" if data.get("purged") else "WEBHOOK_SUBSCRIPTION_DELETE_SOFT"
        ), entity_type
    if event_type == "webhook.subscription_paused" and data.get("reason", _MANUAL_PAUSE) != _MANUAL_PAUSE:
        return "WEBHOOK_SUBSCRIPTION_AUTO_PAUSE", entity_type
    if event_type == "inbound.mapping_document_loaded":
        return action, "INBOUND_MAPPING"
    if event_type == "inbound.record_accepted":
        # v1.7 writes CREATE for a record's first receipt and UPDATE afterwards.
        return _inbound_record("CREATE" if data.get("first_receipt") else "UPDATE", entity_type, data)
    if event_type.startswith("inbound.record_"):
        return _inbound_record(action, entity_type, data)
    return action, entity_type


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
    """`stock.moved` -> ("STOCK_MOVED", "STOCK"): what a type no rule names is recorded as."""
    return event_type.replace(".", "_").upper(), event_type.split(".", 1)[0].upper()


def rule_action(event_type: str, data: Mapping[str, Any]) -> tuple[str, str] | None:
    """(action_type, entity_type) by the rules above, or None when no rule names this type."""
    family_name, _, verb = event_type.partition(".")
    family = _FAMILIES.get(family_name)
    action = family.action_for(verb) if family is not None and verb else None
    if family is None or action is None:
        return None
    return _refine(event_type, action, family.entity_type, data)


def audit_entry_for(event: ObservedEvent) -> AuditEntry:
    action_type, entity_type = rule_action(event.event_type, event.data) or default_action(event.event_type)
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
