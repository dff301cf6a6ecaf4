"""Audit action names: rules by event family, v1.7's names, and no registered event type without a rule."""

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from audit.domain.actions import ObservedEvent, audit_entry_for, rule_action
from canonical.events.registry import default_registry

# v1.7's own action names are upper-case words, but for its two password actions (§5.1).
_ACTION_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*|password_change|forced_password_change_completed")
_ENTITY_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*|user")


def test_an_entry_keeps_the_events_subject_actor_warehouse_device_and_data() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    event = ObservedEvent("id", "warehouse.created", "warehouse-1", "u-1", 3, "scanner-9", {"x": 1}, moment)
    entry = audit_entry_for(event)
    assert (entry.action_type, entry.entity_type, entry.entity_id) == ("WAREHOUSE_CREATE", "WAREHOUSE", "warehouse-1")
    assert (entry.actor, entry.warehouse_id, entry.device_id, entry.created_at) == ("u-1", 3, "scanner-9", moment)
    assert entry.details == {"event_type": "warehouse.created", "data": {"x": 1}}
    anonymous = audit_entry_for(ObservedEvent("id", "stock.added", None, None, None, None, {}, moment))
    assert (anonymous.entity_id, anonymous.actor) == ("", "system")


def named(event_type: str, data: dict[str, Any] | None = None) -> tuple[str, str]:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    entry = audit_entry_for(ObservedEvent("id", event_type, "s-1", "admin", None, None, data or {}, moment))
    return entry.action_type, entry.entity_type


@pytest.mark.parametrize("event_type", sorted({t.name for t in default_registry().all()}))
def test_every_registered_event_type_has_a_naming_rule(event_type: str) -> None:
    rule = rule_action(event_type, {})
    assert rule is not None, f"{event_type} falls through to its default name: add a rule in domain/actions.py"
    action, entity = rule
    assert _ACTION_NAME.fullmatch(action), action
    assert _ENTITY_NAME.fullmatch(entity), entity


@pytest.mark.parametrize(
    ("event_type", "data", "expected"),
    [
        # Floor workflows (domain.md A.5): the whole family keeps v1.7's action.
        ("receipt.recorded", {}, ("RECEIVE", "PO")),
        ("receipt.completed", {}, ("RECEIVE", "PO")),
        ("receipt.cancelled", {}, ("RECEIVE_CANCEL", "PO")),
        ("transfer.recorded", {"transfer_type": "MOVE"}, ("TRANSFER", "ITEM")),
        ("transfer.recorded", {"transfer_type": "PUTAWAY"}, ("PUTAWAY", "ITEM")),
        ("preferred_bin.saved", {}, ("PREFERRED_BIN_UPDATE", "ITEM")),
        ("pick.confirmed", {}, ("PICK", "SO")),
        ("pick_task.confirmed", {}, ("PICK", "BATCH")),
        ("pick_task.shorted", {}, ("PICK", "BATCH")),
        ("pick_batch.completed", {}, ("PICK", "BATCH")),
        ("pack.confirmed", {}, ("PACK", "SO")),
        ("ship.confirmed", {}, ("SHIP", "SO")),
        ("cycle_count.created", {}, ("COUNT", "BIN")),
        ("cycle_count.submitted", {}, ("COUNT", "BIN")),
        ("cycle_count.adjusted", {}, ("COUNT", "BIN")),
        ("adjustment.recorded", {}, ("ADJUST", "ITEM")),
        ("adjustment.applied", {}, ("ADJUST", "ITEM")),
        ("adjustment.reviewed", {"self_approved": False}, ("ADJUST", "ITEM")),
        ("adjustment.reviewed", {"self_approved": True}, ("SELF_APPROVED_COUNT", "BIN")),
        # Order state: named after the order, so PICK/PACK/SHIP count each floor action once.
        ("sales_order.created", {}, ("SO_CREATE", "SO")),
        ("sales_order.cancelled", {}, ("SO_CANCEL", "SO")),
        ("sales_order.picking_completed", {}, ("SO_PICKING_COMPLETE", "SO")),
        ("purchase_order.receipt_reversed", {}, ("PO_RECEIPT_REVERSE", "PO")),
        # Identity (integration-security §5.1).
        ("api_token.issued", {}, ("TOKEN_ISSUE", "WMS_TOKEN")),
        ("api_token.rotated", {}, ("TOKEN_ROTATE", "WMS_TOKEN")),
        ("api_token.revoked", {}, ("TOKEN_REVOKE", "WMS_TOKEN")),
        ("api_token.deleted", {}, ("TOKEN_DELETE", "WMS_TOKEN")),
        (
            "user.password_changed",
            {"action": "forced_password_change_completed"},
            (
                "forced_password_change_completed",
                "user",
            ),
        ),
        ("user.password_changed", {"action": "anything else"}, ("password_change", "user")),
        ("user.created", {}, ("USER_CREATE", "user")),
        ("warehouse.created", {}, ("WAREHOUSE_CREATE", "WAREHOUSE")),
        ("item.updated", {}, ("ITEM_UPDATE", "ITEM")),
        # Inbound: v1.7's MAPPING_DOCUMENT_LOAD and CREATE/UPDATE on INBOUND_<RESOURCE>.
        ("inbound.mapping_document_loaded", {}, ("MAPPING_DOCUMENT_LOAD", "INBOUND_MAPPING")),
        ("inbound.record_accepted", {"resource": "items", "first_receipt": True}, ("CREATE", "INBOUND_ITEMS")),
        ("inbound.record_accepted", {"resource": "items", "first_receipt": False}, ("UPDATE", "INBOUND_ITEMS")),
        ("inbound.record_applied", {"resource": "items"}, ("INBOUND_RECORD_APPLY", "INBOUND_ITEMS")),
        ("inbound.source_system_allowlisted", {}, ("INBOUND_ALLOWLIST_ADD", "INBOUND_SOURCE_SYSTEM")),
        ("inbound.source_system_removed", {}, ("INBOUND_ALLOWLIST_REMOVE", "INBOUND_SOURCE_SYSTEM")),
        # Connector registry and consumer groups (§4.5, V-221): v1.7's names.
        ("connector_registry.created", {}, ("CONNECTOR_REGISTRY_CREATE", "CONNECTOR")),
        ("connector_registry.updated", {}, ("CONNECTOR_REGISTRY_UPDATE", "CONNECTOR")),
        ("connector_registry.deleted", {}, ("CONNECTOR_REGISTRY_DELETE", "CONNECTOR")),
        ("consumer_group.created", {}, ("CONSUMER_GROUP_CREATE", "CONSUMER_GROUP")),
        ("consumer_group.updated", {}, ("CONSUMER_GROUP_UPDATE", "CONSUMER_GROUP")),
        ("consumer_group.deleted", {}, ("CONSUMER_GROUP_DELETE", "CONSUMER_GROUP")),
        # Webhooks: v1.7's names, the rest by the generic webhook.<noun>_<verb> rule.
        ("webhook.subscription_created", {}, ("WEBHOOK_SUBSCRIPTION_CREATE", "WEBHOOK_SUBSCRIPTION")),
        ("webhook.subscription_updated", {}, ("WEBHOOK_SUBSCRIPTION_UPDATE", "WEBHOOK_SUBSCRIPTION")),
        (
            "webhook.subscription_deleted",
            {"purged": False},
            ("WEBHOOK_SUBSCRIPTION_DELETE_SOFT", "WEBHOOK_SUBSCRIPTION"),
        ),
        (
            "webhook.subscription_deleted",
            {"purged": True},
            ("WEBHOOK_SUBSCRIPTION_DELETE_HARD", "WEBHOOK_SUBSCRIPTION"),
        ),
        ("webhook.subscription_secret_rotated", {}, ("WEBHOOK_SECRET_ROTATE", "WEBHOOK_SUBSCRIPTION")),
        ("webhook.subscription_paused", {"reason": "manual"}, ("WEBHOOK_SUBSCRIPTION_PAUSE", "WEBHOOK_SUBSCRIPTION")),
        (
            "webhook.subscription_paused",
            {"reason": "dlq_ceiling"},
            (
                "WEBHOOK_SUBSCRIPTION_AUTO_PAUSE",
                "WEBHOOK_SUBSCRIPTION",
            ),
        ),
        ("webhook.subscription_resumed", {}, ("WEBHOOK_SUBSCRIPTION_RESUME", "WEBHOOK_SUBSCRIPTION")),
        ("webhook.subscription_disabled", {}, ("WEBHOOK_SUBSCRIPTION_DISABLE", "WEBHOOK_SUBSCRIPTION")),
        ("webhook.delivery_replayed", {}, ("WEBHOOK_DELIVERY_REPLAY", "WEBHOOK_SUBSCRIPTION")),
    ],
)
def test_v17_names_and_rules(event_type: str, data: dict[str, Any], expected: tuple[str, str]) -> None:
    assert named(event_type, data) == expected


def test_a_new_type_lands_under_its_familys_rule() -> None:
    assert named("pick_batch.reassigned") == ("PICK", "BATCH")  # fixed v1.7 action: any verb
    assert named("zone.renamed") == ("ZONE_RENAMED", "ZONE")  # verb not in the table: no rule...
    assert rule_action("zone.renamed", {}) is None  # ...so the consumer logs it
    assert named("gizmo.moved") == ("GIZMO_MOVED", "GIZMO")  # unknown family: still recorded
    assert rule_action("gizmo.moved", {}) is None
