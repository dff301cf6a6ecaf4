"""Admin endpoints for webhook subscriptions (ADMIN, through the gateway)."""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from canonical.web.identity import AdminIdentity
from canonical.web.runtime import ServiceRuntime
from dispatcher.adapters.subscription_store import get_subscription, list_attempts, list_subscriptions
from dispatcher.domain.subscriptions import (
    MAX_DELIVERY_URL_LENGTH,
    MAX_DISPLAY_NAME_LENGTH,
    SubscriptionFilter,
    SubscriptionNotFound,
    parse_subscription_id,
)
from dispatcher.entrypoints.dependencies import DispatcherAdapters, adapters, pool, runtime
from dispatcher.service_layer.subscriptions import CreateSubscription, handle_create_subscription

router = APIRouter(tags=["webhooks"])

MAX_PAGE = 500

EventTypeName = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class SubscriptionFilterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_types: list[EventTypeName] = Field(default_factory=list, max_length=256)


class CreateSubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_DISPLAY_NAME_LENGTH)
    ]
    delivery_url: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_DELIVERY_URL_LENGTH)
    ]
    subscription_filter: SubscriptionFilterIn = Field(default_factory=SubscriptionFilterIn)

    def to_command(self) -> CreateSubscription:
        return CreateSubscription(
            self.display_name, self.delivery_url, SubscriptionFilter(frozenset(self.subscription_filter.event_types))
        )


Pool = Annotated[asyncpg.Pool, Depends(pool)]


@router.post("/api/admin/webhooks", status_code=201)
async def create_subscription(
    body: CreateSubscriptionIn,
    _: AdminIdentity,
    db: Pool,
    built: Annotated[DispatcherAdapters, Depends(adapters)],
    service: Annotated[ServiceRuntime, Depends(runtime)],
) -> JSONResponse:
    created = await handle_create_subscription(
        body.to_command(),
        pool=db,
        guard=built.guard,
        secret_box=built.secret_box,
        known_event_types=(t.name for t in service.registry.all()),
    )
    return JSONResponse(created, status_code=201, headers={"cache-control": "no-store"})


@router.get("/api/admin/webhooks")
async def get_subscriptions(_: AdminIdentity, db: Pool) -> dict[str, Any]:
    return {"webhooks": await list_subscriptions(db)}


@router.get("/api/admin/webhooks/{subscription_id}")
async def get_subscription_detail(subscription_id: str, _: AdminIdentity, db: Pool) -> dict[str, Any]:
    key = parse_subscription_id(subscription_id)
    subscription = await get_subscription(db, key)
    if subscription is None:
        raise SubscriptionNotFound(key)
    return subscription


@router.get("/api/admin/webhooks/{subscription_id}/deliveries")
async def get_subscription_deliveries(
    subscription_id: str,
    _: AdminIdentity,
    db: Pool,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Every attempt, newest first: a failed attempt and the retry it scheduled are separate rows."""
    key = parse_subscription_id(subscription_id)
    if await get_subscription(db, key) is None:
        raise SubscriptionNotFound(key)
    attempts, total = await list_attempts(db, key, limit=limit, offset=offset)
    return {"deliveries": attempts, "total": total, "limit": limit, "offset": offset}
