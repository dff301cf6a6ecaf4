"""Admin reads over delivery history: per-subscription stats and the error list across subscriptions (§4.7.2)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from canonical.web.identity import AdminIdentity
from dispatcher.adapters.subscription_store import get_subscription
from dispatcher.domain.subscriptions import SubscriptionNotFound, parse_subscription_id
from dispatcher.entrypoints.dependencies import Built, Pool
from dispatcher.service_layer.stats import handle_error_list, handle_stats

router = APIRouter(tags=["webhooks"])

MAX_PAGE = 500


@router.get("/api/admin/webhooks/{subscription_id}/stats")
async def get_subscription_stats(
    subscription_id: str, _: AdminIdentity, db: Pool, built: Built, window: str = "24h"
) -> dict[str, Any]:
    key = parse_subscription_id(subscription_id)
    if await get_subscription(db, key) is None:
        raise SubscriptionNotFound(key)
    return await handle_stats(db, key, window, built.stats_cache)


@router.get("/api/admin/webhook-errors")
async def get_webhook_errors(
    _: AdminIdentity,
    db: Pool,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    subscription_id: str | None = None,
    error_kind: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    return await handle_error_list(
        db,
        subscription_id=None if subscription_id is None else parse_subscription_id(subscription_id),
        error_kind=error_kind,
        limit=limit,
        offset=offset,
    )
