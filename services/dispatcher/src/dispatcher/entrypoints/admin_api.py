"""Admin endpoints for webhook subscriptions (ADMIN, through the gateway; paths of v1.7 §4.7.2)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from canonical.events.factory import CommandContext
from canonical.web.identity import AdminIdentity
from canonical.web.runtime import ServiceRuntime
from dispatcher.adapters.delivery_stats import stats_24h_by_subscription
from dispatcher.adapters.subscription_store import get_subscription, list_attempts, list_subscriptions
from dispatcher.domain.subscriptions import (
    MAX_DELIVERY_URL_LENGTH,
    MAX_DISPLAY_NAME_LENGTH,
    SignatureProfile,
    SubscriptionFilter,
    SubscriptionNotFound,
    SubscriptionStatus,
    parse_subscription_id,
)
from dispatcher.entrypoints.dependencies import Built, DispatcherAdapters, Pool, Runtime
from dispatcher.service_layer.journal import SubscriptionJournal
from dispatcher.service_layer.replay import ReplayFilter, handle_replay_batch, handle_replay_one, handle_test_send
from dispatcher.service_layer.subscriptions import (
    Admin,
    SubscriptionFields,
    SubscriptionRules,
    handle_create_subscription,
    handle_delete_subscription,
    handle_rotate_secret,
    handle_update_subscription,
)

router = APIRouter(tags=["webhooks"])

MAX_PAGE = 500
NO_STORE = {"cache-control": "no-store"}  # responses that carry a secret

EventTypeName = Annotated[str, StringConstraints(min_length=1, max_length=128)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_DISPLAY_NAME_LENGTH)]
ConnectorId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_DELIVERY_URL_LENGTH)]


class SubscriptionFilterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_types: list[EventTypeName] = Field(default_factory=list, max_length=256)
    warehouse_ids: list[Annotated[int, Field(gt=0)]] = Field(default_factory=list, max_length=256)

    def to_domain(self) -> SubscriptionFilter:
        return SubscriptionFilter(frozenset(self.event_types), frozenset(self.warehouse_ids))


class SubscriptionOptionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signature_profile: SignatureProfile | None = None
    rate_limit_per_second: Annotated[int, Field(ge=1, le=100)] | None = None
    max_concurrency: Annotated[int, Field(ge=1, le=16)] | None = None
    dlq_ceiling: Annotated[int, Field(ge=10, le=100_000)] | None = None
    pending_ceiling: Annotated[int, Field(ge=100, le=100_000)] | None = None
    acknowledge_url_reuse: bool = False


class CreateSubscriptionIn(SubscriptionOptionsIn):
    connector_id: ConnectorId | None = None
    display_name: DisplayName
    delivery_url: Url
    subscription_filter: SubscriptionFilterIn = Field(default_factory=SubscriptionFilterIn)

    def to_fields(self) -> SubscriptionFields:
        return SubscriptionFields(
            display_name=self.display_name,
            delivery_url=self.delivery_url,
            connector_id=self.connector_id,
            subscription_filter=self.subscription_filter.to_domain(),
            signature_profile=None if self.signature_profile is None else self.signature_profile.value,
            rate_limit_per_second=self.rate_limit_per_second,
            max_concurrency=self.max_concurrency,
            dlq_ceiling=self.dlq_ceiling,
            pending_ceiling=self.pending_ceiling,
            acknowledge_url_reuse=self.acknowledge_url_reuse,
        )


class UpdateSubscriptionIn(SubscriptionOptionsIn):
    display_name: DisplayName | None = None
    delivery_url: Url | None = None
    subscription_filter: SubscriptionFilterIn | None = None
    status: Literal["active", "paused"] | None = None  # revoking is DELETE

    def to_fields(self) -> SubscriptionFields:
        return SubscriptionFields(
            display_name=self.display_name,
            delivery_url=self.delivery_url,
            subscription_filter=None if self.subscription_filter is None else self.subscription_filter.to_domain(),
            signature_profile=None if self.signature_profile is None else self.signature_profile.value,
            rate_limit_per_second=self.rate_limit_per_second,
            max_concurrency=self.max_concurrency,
            dlq_ceiling=self.dlq_ceiling,
            pending_ceiling=self.pending_ceiling,
            acknowledge_url_reuse=self.acknowledge_url_reuse,
            status=None if self.status is None else SubscriptionStatus(self.status),
        )


class ReplayFilterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["dlq", "failed", "succeeded", "aborted"] = "dlq"
    event_type: EventTypeName | None = None
    completed_at_from: datetime | None = None
    completed_at_to: datetime | None = None


class ReplayBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filter: ReplayFilterIn = Field(default_factory=ReplayFilterIn)
    acknowledge_large_replay: bool = False


def _rules(built: DispatcherAdapters, service: ServiceRuntime) -> SubscriptionRules:
    return SubscriptionRules(
        built.guard,
        frozenset(t.name for t in service.registry.all()),
        dlq_hard_cap=built.settings.dispatcher_max_dlq_hard_cap,
        pending_hard_cap=built.settings.dispatcher_max_pending_hard_cap,
    )


def _admin(request: Request, identity: AdminIdentity, service: Runtime) -> Admin:
    return Admin(
        service.pool,
        SubscriptionJournal(service.writer, service.registry),
        CommandContext(request_id=request.state.request_id, actor=identity.subject),
    )


AdminCommand = Annotated[Admin, Depends(_admin)]


@router.post("/api/admin/webhooks", status_code=201)
async def create_subscription(
    body: CreateSubscriptionIn, admin: AdminCommand, built: Built, service: Runtime
) -> JSONResponse:
    created = await handle_create_subscription(
        body.to_fields(), admin=admin, rules=_rules(built, service), secret_box=built.secret_box
    )
    return JSONResponse(created, status_code=201, headers=NO_STORE)


@router.get("/api/admin/webhooks")
async def get_subscriptions(_: AdminIdentity, db: Pool) -> dict[str, Any]:
    """Every subscription with its last 24 h at a glance (counts by outcome, success rate, backlog)."""
    stats = await stats_24h_by_subscription(db)
    return {"webhooks": [{**row, **stats[uuid.UUID(row["subscription_id"])]} for row in await list_subscriptions(db)]}


async def _existing(db: asyncpg.Pool, subscription_id: str) -> dict[str, Any]:
    key = parse_subscription_id(subscription_id)
    subscription = await get_subscription(db, key)
    if subscription is None:
        raise SubscriptionNotFound(key)
    return subscription


@router.get("/api/admin/webhooks/{subscription_id}")
async def get_subscription_detail(subscription_id: str, _: AdminIdentity, db: Pool) -> dict[str, Any]:
    return await _existing(db, subscription_id)


@router.patch("/api/admin/webhooks/{subscription_id}")
async def update_subscription(
    subscription_id: str, body: UpdateSubscriptionIn, admin: AdminCommand, built: Built, service: Runtime
) -> dict[str, Any]:
    return await handle_update_subscription(
        parse_subscription_id(subscription_id), body.to_fields(), admin=admin, rules=_rules(built, service)
    )


async def _set_status(
    subscription_id: str, status: SubscriptionStatus, admin: Admin, built: DispatcherAdapters, service: ServiceRuntime
) -> dict[str, Any]:
    fields = SubscriptionFields(status=status)
    return await handle_update_subscription(
        parse_subscription_id(subscription_id), fields, admin=admin, rules=_rules(built, service)
    )


@router.post("/api/admin/webhooks/{subscription_id}/pause")
async def pause_subscription(
    subscription_id: str, admin: AdminCommand, built: Built, service: Runtime
) -> dict[str, Any]:
    return await _set_status(subscription_id, SubscriptionStatus.PAUSED, admin, built, service)


@router.post("/api/admin/webhooks/{subscription_id}/resume")
async def resume_subscription(
    subscription_id: str, admin: AdminCommand, built: Built, service: Runtime
) -> dict[str, Any]:
    return await _set_status(subscription_id, SubscriptionStatus.ACTIVE, admin, built, service)


@router.delete("/api/admin/webhooks/{subscription_id}")
async def delete_subscription(subscription_id: str, admin: AdminCommand, purge: bool = False) -> dict[str, Any]:
    return await handle_delete_subscription(parse_subscription_id(subscription_id), purge=purge, admin=admin)


@router.post("/api/admin/webhooks/{subscription_id}/rotate-secret")
async def rotate_subscription_secret(subscription_id: str, admin: AdminCommand, built: Built) -> JSONResponse:
    rotated = await handle_rotate_secret(
        parse_subscription_id(subscription_id), admin=admin, secret_box=built.secret_box
    )
    return JSONResponse(rotated, headers=NO_STORE)


@router.post("/api/admin/webhooks/{subscription_id}/test")
async def send_test_message(subscription_id: str, _: AdminIdentity, db: Pool, built: Built) -> dict[str, Any]:
    key = parse_subscription_id(subscription_id)
    await _existing(db, subscription_id)
    async with built.sender() as sender:
        outcome = await handle_test_send(db, key, guard=built.guard, secret_box=built.secret_box, sender=sender)
    return {
        "delivered": outcome.delivered,
        "http_status": outcome.http_status,
        "error_kind": None if outcome.error_kind is None else outcome.error_kind.value,
        "response_time_ms": outcome.response_time_ms,
    }


@router.get("/api/admin/webhooks/{subscription_id}/deliveries")
async def get_subscription_deliveries(
    subscription_id: str,
    _: AdminIdentity,
    db: Pool,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Every attempt, newest first: a failed attempt and the retry it scheduled are separate rows."""
    await _existing(db, subscription_id)
    attempts, total = await list_attempts(db, parse_subscription_id(subscription_id), limit=limit, offset=offset)
    return {"deliveries": attempts, "total": total, "limit": limit, "offset": offset}


@router.get("/api/admin/webhooks/{subscription_id}/dlq")
async def get_subscription_dlq(
    subscription_id: str,
    _: AdminIdentity,
    db: Pool,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    await _existing(db, subscription_id)
    rows, total = await list_attempts(
        db, parse_subscription_id(subscription_id), limit=limit, offset=offset, status="dlq"
    )
    return {"deliveries": rows, "total": total, "limit": limit, "offset": offset}


@router.post("/api/admin/webhooks/{subscription_id}/replay/{delivery_id}", status_code=201)
async def replay_delivery(subscription_id: str, delivery_id: int, _: AdminIdentity, db: Pool) -> dict[str, Any]:
    return await handle_replay_one(db, parse_subscription_id(subscription_id), delivery_id)


@router.post("/api/admin/webhooks/{subscription_id}/replay-batch", status_code=201)
async def replay_batch(
    subscription_id: str, body: ReplayBatchIn, admin: AdminIdentity, db: Pool, built: Built
) -> dict[str, Any]:
    return await handle_replay_batch(
        db,
        parse_subscription_id(subscription_id),
        ReplayFilter(**body.filter.model_dump()),
        acknowledge_large=body.acknowledge_large_replay,
        hard_cap=built.settings.dispatcher_replay_batch_hard_cap,
        actor=admin.subject,
    )
