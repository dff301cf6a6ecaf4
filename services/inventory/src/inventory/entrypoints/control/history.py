"""Beyond v1.7, from event sourcing: every movement of an item or bin, and stock as it stood at a moment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query

from canonical.errors import DomainError
from canonical.pagination import MAX_PER_PAGE, Page
from canonical.web.identity import CurrentIdentity
from inventory.adapters.queries.history import stock_as_of, stock_history
from inventory.entrypoints.dependencies import Pool
from inventory.entrypoints.routers import floor_router
from inventory.entrypoints.scoping import RequestedWarehouse, visible_warehouses

router = floor_router()


class NaiveTimestamp(DomainError):
    code = "timestamp_without_zone"


@router.get("/api/v1/inventory/history")
async def history(
    pool: Pool,
    identity: CurrentIdentity,
    warehouse_id: RequestedWarehouse,
    item_id: int | None = None,
    bin_id: int | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    paging = Page(page, per_page)
    rows, total = await stock_history(
        pool, paging, item_id=item_id, bin_id=bin_id, warehouse_id=warehouse_id, scope=visible_warehouses(identity)
    )
    return paging.envelope("movements", rows, total)


@router.get("/api/v1/inventory/as-of")
async def as_of(
    at: datetime,
    pool: Pool,
    identity: CurrentIdentity,
    warehouse_id: RequestedWarehouse,
    item_id: int | None = None,
    bin_id: int | None = None,
) -> dict[str, Any]:
    if at.tzinfo is None:
        raise NaiveTimestamp("`at` needs a time zone (e.g. 2026-12-04T12:00:00Z).")
    positions = await stock_as_of(
        pool, at, item_id=item_id, bin_id=bin_id, warehouse_id=warehouse_id, scope=visible_warehouses(identity)
    )
    return {"as_of": at.isoformat(), "inventory": positions}
