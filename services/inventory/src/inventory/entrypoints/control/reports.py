"""Admin dashboard, inventory list and global search (v1.7 H.4).

The short-pick report belongs with picking; the audit log is served by the audit service.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from canonical.errors import DomainError
from canonical.pagination import MAX_PER_PAGE, Page
from inventory.adapters.queries.reports import dashboard, inventory_positions, search
from inventory.entrypoints.dependencies import Pool
from inventory.entrypoints.routers import admin_router
from inventory.entrypoints.scoping import RequestedWarehouse

MIN_SEARCH_LENGTH = 2

router = admin_router()


class SearchTooShort(DomainError):
    code = "min_length"

    def __init__(self) -> None:
        super().__init__(
            f"Search needs at least {MIN_SEARCH_LENGTH} characters.",
            legacy_error="min_length",
            min_length=MIN_SEARCH_LENGTH,
            detail=f"q must be at least {MIN_SEARCH_LENGTH} characters after trimming",
        )


@router.get("/api/admin/dashboard")
async def get_dashboard(pool: Pool, warehouse_id: RequestedWarehouse) -> dict[str, Any]:
    return await dashboard(pool, warehouse_id)


@router.get("/api/admin/inventory")
async def get_inventory(
    pool: Pool,
    warehouse_id: RequestedWarehouse,
    item_id: int | None = None,
    q: Annotated[str | None, Query(max_length=256)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    paging = Page(page, per_page)
    rows, total = await inventory_positions(pool, paging, warehouse_id, item_id, q)
    return paging.envelope("inventory", rows, total)


@router.get("/api/admin/search")
async def global_search(
    pool: Pool, warehouse_id: RequestedWarehouse, q: Annotated[str, Query(max_length=256)] = ""
) -> dict[str, Any]:
    text = q.strip()
    if len(text) < MIN_SEARCH_LENGTH:
        raise SearchTooShort()
    return {"query": text, "warehouse_id": warehouse_id, "results": await search(pool, text, warehouse_id)}
