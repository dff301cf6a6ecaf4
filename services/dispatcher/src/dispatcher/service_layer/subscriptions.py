"""Subscription commands: create, change, pause/resume, delete, rotate the secret."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from canonical.db import Connection
from canonical.errors import Conflict, DomainError
from canonical.events.factory import CommandContext
from dispatcher.adapters.connector_registry import hold_connector
from dispatcher.adapters.delivery_store import count_unfinished
from dispatcher.adapters.secret_box import SecretBox
from dispatcher.adapters.ssrf import DestinationGuard
from dispatcher.adapters.subscription_store import (
    acknowledge_tombstones,
    insert_subscription,
    lock_subscription,
    open_tombstone,
    purge_subscription,
    rotate_secret,
    update_subscription,
)
from dispatcher.domain.connectors import UnknownConnector
from dispatcher.domain.destinations import canonical_url, url_fingerprint
from dispatcher.domain.signing import WebhookSecret
from dispatcher.domain.subscriptions import (
    PauseReason,
    SubscriptionFilter,
    SubscriptionNotFound,
    SubscriptionRevoked,
    SubscriptionStatus,
    UnknownEventTypes,
)
from dispatcher.service_layer.journal import SubscriptionJournal

CURRENT_SECRET_GENERATION = 1


class UrlReuseTombstone(Conflict):
    code = "url_reuse_tombstone"

    def __init__(self, tombstone_id: int) -> None:
        super().__init__(
            "This URL belonged to a purged subscription; resubmit with acknowledge_url_reuse: true to reuse it.",
            legacy_error="url_reuse_tombstone",
            tombstone_id=tombstone_id,
        )


class LiveDeliveriesBlockPurge(Conflict):
    code = "live_deliveries_block_hard_delete"

    def __init__(self, live_count: int) -> None:
        super().__init__(
            f"{live_count} deliveries are still pending or in flight; pause and wait, or soft-delete.",
            legacy_error="live_deliveries_block_hard_delete",
            live_count=live_count,
        )


@dataclass(frozen=True)
class SubscriptionFields:
    """Fields an admin sets; None leaves a field as it is (PATCH) or at its default (create)."""

    display_name: str | None = None
    delivery_url: str | None = None
    connector_id: str | None = None  # set at create only, like v1.7
    subscription_filter: SubscriptionFilter | None = None
    signature_profile: str | None = None
    rate_limit_per_second: int | None = None
    max_concurrency: int | None = None
    dlq_ceiling: int | None = None
    pending_ceiling: int | None = None
    acknowledge_url_reuse: bool = False
    status: SubscriptionStatus | None = field(default=None)

    def columns(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "connector_id": self.connector_id,
            "display_name": self.display_name,
            "delivery_url": self.delivery_url,
            "signature_profile": self.signature_profile,
            "rate_limit_per_second": self.rate_limit_per_second,
            "max_concurrency": self.max_concurrency,
            "dlq_ceiling": self.dlq_ceiling,
            "pending_ceiling": self.pending_ceiling,
        }
        if self.subscription_filter is not None:
            values["subscription_filter"] = self.subscription_filter.to_document()
        return {k: v for k, v in values.items() if v is not None}


class CeilingAboveHardCap(DomainError):
    code = "dlq_ceiling_above_hard_cap"

    def __init__(self, name: str, hard_cap: int) -> None:
        code = f"{name}_above_hard_cap"
        super().__init__(
            f"{name} may be at most {hard_cap} here (the operator's hard cap).", legacy_error=code, hard_cap=hard_cap
        )
        self.code = code  # type: ignore[misc]  # two ceilings, one shape


@dataclass(frozen=True)
class SubscriptionRules:
    guard: DestinationGuard
    known_event_types: frozenset[str]
    dlq_hard_cap: int
    pending_hard_cap: int

    def check_ceilings(self, fields: SubscriptionFields) -> None:
        for name, value, cap in (
            ("dlq_ceiling", fields.dlq_ceiling, self.dlq_hard_cap),
            ("pending_ceiling", fields.pending_ceiling, self.pending_hard_cap),
        ):
            if value is not None and value > cap:
                raise CeilingAboveHardCap(name, cap)


# What events say about a subscription's settings (no secret, no full URL).
def _settings_view(row: dict[str, Any]) -> dict[str, Any]:
    fingerprint = url_fingerprint(row["delivery_url"])
    return {
        "connector_id": row["connector_id"],
        "display_name": row["display_name"],
        "delivery_origin": fingerprint["origin"],
        "delivery_url_sha256": fingerprint["sha256"],
        "subscription_filter": row["subscription_filter"],
        "signature_profile": row["signature_profile"],
        "rate_limit_per_second": row["rate_limit_per_second"],
        "max_concurrency": row["max_concurrency"],
        "dlq_ceiling": row["dlq_ceiling"],
        "pending_ceiling": row["pending_ceiling"],
    }


def _diff(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    diff: dict[str, Any] = {}
    for name, after in changes.items():
        before = current[name]
        if name == "delivery_url":
            before, after = url_fingerprint(before), url_fingerprint(after)
        diff[name] = {"before": before, "after": after}
    return diff


async def _vet(connection: Connection, fields: SubscriptionFields, rules: SubscriptionRules, actor: str) -> None:
    """The checks create and PATCH share: URL (SSRF, https), ceilings, connector, filter, URL-reuse tombstone."""
    if fields.delivery_url is not None:
        # Advisory here (DNS can change later; every send is checked again), but it tells
        # the admin about a private or mistyped host while they are still looking.
        await rules.guard.pin(fields.delivery_url)
    rules.check_ceilings(fields)
    # Held to the end of the transaction: the registry cannot remove it under the new subscription.
    if fields.connector_id is not None and not await hold_connector(connection, fields.connector_id):
        raise UnknownConnector(fields.connector_id, code="connector_not_found")
    if fields.subscription_filter is not None:
        unknown = fields.subscription_filter.unknown_types(rules.known_event_types)
        if unknown:
            raise UnknownEventTypes(unknown)
    if fields.delivery_url is not None:
        canonical = canonical_url(fields.delivery_url)
        tombstone = await open_tombstone(connection, canonical)
        if tombstone is not None:
            if not fields.acknowledge_url_reuse:
                raise UrlReuseTombstone(tombstone)
            await acknowledge_tombstones(connection, canonical, actor)


@dataclass(frozen=True)
class Admin:
    """What every admin command needs besides its arguments: who asks, and where the changes are journalled."""

    pool: asyncpg.Pool
    journal: SubscriptionJournal
    context: CommandContext


async def handle_create_subscription(
    fields: SubscriptionFields, *, admin: Admin, rules: SubscriptionRules, secret_box: SecretBox
) -> dict[str, Any]:
    """Vet and store the subscription with a fresh secret; the plaintext is returned only here."""
    secret = WebhookSecret.generate()
    async with admin.pool.acquire() as connection, connection.transaction():
        await _vet(connection, fields, rules, admin.context.actor)
        subscription = await insert_subscription(
            connection, fields=fields.columns(), secret_ciphertext=secret_box.seal(secret)
        )
        created = {**_settings_view(subscription), "acknowledged_url_reuse": fields.acknowledge_url_reuse}
        await admin.journal.record(
            connection,
            uuid.UUID(subscription["subscription_id"]),
            [("webhook.subscription_created", created)],
            admin.context,
        )
    return {**subscription, "secret": secret.reveal(), "secret_generation": CURRENT_SECRET_GENERATION}


async def _locked(connection: Connection, subscription_id: uuid.UUID) -> dict[str, Any]:
    row = await lock_subscription(connection, subscription_id)
    if row is None:
        raise SubscriptionNotFound(subscription_id)
    return row


async def handle_update_subscription(
    subscription_id: uuid.UUID, fields: SubscriptionFields, *, admin: Admin, rules: SubscriptionRules
) -> dict[str, Any]:
    """Write only what changes; `status` active/paused resumes or pauses (manual). Filters are not retroactive."""
    async with admin.pool.acquire() as connection, connection.transaction():
        current = await _locked(connection, subscription_id)
        if current["status"] == SubscriptionStatus.REVOKED:
            raise SubscriptionRevoked(subscription_id)
        changes = {k: v for k, v in fields.columns().items() if current[k] != v}
        url_changed = "delivery_url" in changes
        vetted = SubscriptionFields(
            delivery_url=changes.get("delivery_url") if url_changed else None,
            subscription_filter=fields.subscription_filter if "subscription_filter" in changes else None,
            dlq_ceiling=changes.get("dlq_ceiling"),
            pending_ceiling=changes.get("pending_ceiling"),
            acknowledge_url_reuse=fields.acknowledge_url_reuse,
        )
        await _vet(connection, vetted, rules, admin.context.actor)
        events: list[tuple[str, dict[str, Any]]] = []
        if changes:
            updated: dict[str, Any] = {"changes": _diff(current, changes)}
            if url_changed:
                updated["acknowledged_url_reuse"] = fields.acknowledge_url_reuse
            events.append(("webhook.subscription_updated", updated))
        if fields.status is not None and fields.status != current["status"]:
            changes["status"] = fields.status.value
            changes["pause_reason"] = PauseReason.MANUAL.value if fields.status is SubscriptionStatus.PAUSED else None
            if fields.status is SubscriptionStatus.ACTIVE:
                # A resume is a human saying "try again now": the breaker starts closed.
                changes.update(consecutive_failures=0, failing_since=None, breaker_open_until=None)
                events.append(("webhook.subscription_resumed", {"previous_pause_reason": current["pause_reason"]}))
            else:
                events.append(("webhook.subscription_paused", {"reason": PauseReason.MANUAL.value}))
        await admin.journal.record(connection, subscription_id, events, admin.context)
        return await update_subscription(connection, subscription_id, changes)


async def handle_delete_subscription(subscription_id: uuid.UUID, *, purge: bool, admin: Admin) -> dict[str, Any]:
    """Soft delete revokes (idempotent, history kept); purge tombstones the URL and deletes the history."""
    async with admin.pool.acquire() as connection, connection.transaction():
        current = await _locked(connection, subscription_id)
        if not purge:
            if current["status"] != SubscriptionStatus.REVOKED:
                await update_subscription(connection, subscription_id, {"status": "revoked", "pause_reason": None})
                await admin.journal.record(
                    connection, subscription_id, [("webhook.subscription_deleted", {"purged": False})], admin.context
                )
            return {"subscription_id": str(subscription_id), "status": "revoked"}
        live = await count_unfinished(connection, subscription_id)
        if live:
            raise LiveDeliveriesBlockPurge(live)
        tombstone_id, cascaded = await purge_subscription(
            connection,
            subscription_id,
            url=current["delivery_url"],
            canonical=canonical_url(current["delivery_url"]),
            deleted_by=admin.context.actor,
        )
        purged = {"purged": True, "tombstone_id": tombstone_id, "cascaded_deliveries": cascaded}
        await admin.journal.record(
            connection, subscription_id, [("webhook.subscription_deleted", purged)], admin.context
        )
    return {"subscription_id": str(subscription_id), "status": "purged", **purged}


class CannotRotateRevoked(Conflict):
    status = 400
    code = "cannot_rotate_revoked_subscription"

    def __init__(self) -> None:
        super().__init__("A deleted subscription has no secret to rotate.", legacy_error="cannot_rotate_revoked")


async def handle_rotate_secret(subscription_id: uuid.UUID, *, admin: Admin, secret_box: SecretBox) -> dict[str, Any]:
    """New current secret at once; the previous one keeps signing (second signature) for 24 h."""
    secret = WebhookSecret.generate()
    async with admin.pool.acquire() as connection, connection.transaction():
        current = await _locked(connection, subscription_id)
        if current["status"] == SubscriptionStatus.REVOKED:
            raise CannotRotateRevoked()
        previous_expires_at = await rotate_secret(connection, subscription_id, secret_box.seal(secret))
        rotated = {
            "secret_generation": CURRENT_SECRET_GENERATION,
            "previous_expires_at": previous_expires_at.isoformat(),
        }
        await admin.journal.record(
            connection, subscription_id, [("webhook.subscription_secret_rotated", rotated)], admin.context
        )
    return {
        "subscription_id": str(subscription_id),
        "secret": secret.reveal(),
        "secret_generation": CURRENT_SECRET_GENERATION,
    }
