"""Subscription commands: create, change, pause/resume, delete, rotate the secret."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from canonical.db import Connection
from canonical.errors import Conflict
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
from dispatcher.domain.destinations import canonical_url
from dispatcher.domain.signing import WebhookSecret
from dispatcher.domain.subscriptions import (
    PauseReason,
    SubscriptionFilter,
    SubscriptionNotFound,
    SubscriptionRevoked,
    SubscriptionStatus,
    UnknownEventTypes,
)

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
    subscription_filter: SubscriptionFilter | None = None
    signature_profile: str | None = None
    rate_limit_per_second: int | None = None
    max_concurrency: int | None = None
    dlq_ceiling: int | None = None
    acknowledge_url_reuse: bool = False
    status: SubscriptionStatus | None = field(default=None)

    def columns(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "display_name": self.display_name,
            "delivery_url": self.delivery_url,
            "signature_profile": self.signature_profile,
            "rate_limit_per_second": self.rate_limit_per_second,
            "max_concurrency": self.max_concurrency,
            "dlq_ceiling": self.dlq_ceiling,
        }
        if self.subscription_filter is not None:
            values["subscription_filter"] = self.subscription_filter.to_document()
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class SubscriptionRules:
    guard: DestinationGuard
    known_event_types: frozenset[str]


async def _vet(connection: Connection, fields: SubscriptionFields, rules: SubscriptionRules, actor: str) -> None:
    """The checks create and PATCH share: URL (SSRF, https), filter, URL-reuse tombstone."""
    if fields.delivery_url is not None:
        # Advisory here (DNS can change later; every send is checked again), but it tells
        # the admin about a private or mistyped host while they are still looking.
        await rules.guard.pin(fields.delivery_url)
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


async def handle_create_subscription(
    fields: SubscriptionFields, *, pool: asyncpg.Pool, rules: SubscriptionRules, secret_box: SecretBox, actor: str
) -> dict[str, Any]:
    """Vet and store the subscription with a fresh secret; the plaintext is returned only here."""
    secret = WebhookSecret.generate()
    async with pool.acquire() as connection, connection.transaction():
        await _vet(connection, fields, rules, actor)
        subscription = await insert_subscription(
            connection, fields=fields.columns(), secret_ciphertext=secret_box.seal(secret)
        )
    return {**subscription, "secret": secret.reveal(), "secret_generation": CURRENT_SECRET_GENERATION}


async def _locked(connection: Connection, subscription_id: uuid.UUID) -> dict[str, Any]:
    row = await lock_subscription(connection, subscription_id)
    if row is None:
        raise SubscriptionNotFound(subscription_id)
    return row


async def handle_update_subscription(
    subscription_id: uuid.UUID,
    fields: SubscriptionFields,
    *,
    pool: asyncpg.Pool,
    rules: SubscriptionRules,
    actor: str,
) -> dict[str, Any]:
    """Write only what changes; `status` active/paused resumes or pauses (manual). Filters are not retroactive."""
    async with pool.acquire() as connection, connection.transaction():
        current = await _locked(connection, subscription_id)
        if current["status"] == SubscriptionStatus.REVOKED:
            raise SubscriptionRevoked(subscription_id)
        changes = {k: v for k, v in fields.columns().items() if current[k] != v}
        url_changed = "delivery_url" in changes
        vetted = SubscriptionFields(
            delivery_url=changes.get("delivery_url") if url_changed else None,
            subscription_filter=fields.subscription_filter if "subscription_filter" in changes else None,
            acknowledge_url_reuse=fields.acknowledge_url_reuse,
        )
        await _vet(connection, vetted, rules, actor)
        if fields.status is not None and fields.status != current["status"]:
            changes["status"] = fields.status.value
            changes["pause_reason"] = PauseReason.MANUAL.value if fields.status is SubscriptionStatus.PAUSED else None
            if fields.status is SubscriptionStatus.ACTIVE:
                # A resume is a human saying "try again now": the breaker starts closed.
                changes.update(consecutive_failures=0, failing_since=None, breaker_open_until=None)
        return await update_subscription(connection, subscription_id, changes)


async def handle_delete_subscription(
    subscription_id: uuid.UUID, *, purge: bool, pool: asyncpg.Pool, actor: str
) -> dict[str, Any]:
    """Soft delete revokes (idempotent, history kept); purge tombstones the URL and deletes the history."""
    async with pool.acquire() as connection, connection.transaction():
        current = await _locked(connection, subscription_id)
        if not purge:
            if current["status"] != SubscriptionStatus.REVOKED:
                await update_subscription(connection, subscription_id, {"status": "revoked", "pause_reason": None})
            return {"subscription_id": str(subscription_id), "status": "revoked"}
        live = await count_unfinished(connection, subscription_id)
        if live:
            raise LiveDeliveriesBlockPurge(live)
        tombstone_id, cascaded = await purge_subscription(
            connection,
            subscription_id,
            url=current["delivery_url"],
            canonical=canonical_url(current["delivery_url"]),
            deleted_by=actor,
        )
    return {
        "subscription_id": str(subscription_id),
        "status": "purged",
        "tombstone_id": tombstone_id,
        "cascaded_deliveries": cascaded,
    }


class CannotRotateRevoked(Conflict):
    status = 400
    code = "cannot_rotate_revoked_subscription"

    def __init__(self) -> None:
        super().__init__("A deleted subscription has no secret to rotate.", legacy_error="cannot_rotate_revoked")


async def handle_rotate_secret(
    subscription_id: uuid.UUID, *, pool: asyncpg.Pool, secret_box: SecretBox
) -> dict[str, Any]:
    """New current secret at once; the previous one keeps signing (second signature) for 24 h."""
    secret = WebhookSecret.generate()
    async with pool.acquire() as connection, connection.transaction():
        current = await _locked(connection, subscription_id)
        if current["status"] == SubscriptionStatus.REVOKED:
            raise CannotRotateRevoked()
        await rotate_secret(connection, subscription_id, secret_box.seal(secret))
    return {
        "subscription_id": str(subscription_id),
        "secret": secret.reveal(),
        "secret_generation": CURRENT_SECRET_GENERATION,
    }
