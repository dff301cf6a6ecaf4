"""Scanner lookups (any role; results limited to the caller's warehouses)."""

from __future__ import annotations

from typing import Any

from canonical.errors import NotFound
from canonical.web.identity import CurrentIdentity
from inventory.adapters.queries.lookups import bin_by_barcode, item_by_barcode, search_bins, search_items
from inventory.entrypoints.dependencies import Pool
from inventory.entrypoints.routers import floor_router
from inventory.entrypoints.scoping import visible_warehouses

router = floor_router()


# The literal `search` routes are declared first so they win over the `{barcode}` parameter.
@router.get("/api/lookup/item/search")
async def find_items(pool: Pool, identity: CurrentIdentity, q: str = "") -> list[dict[str, Any]]:
    return await search_items(pool, q, visible_warehouses(identity))


@router.get("/api/lookup/bin/search")
async def find_bins(pool: Pool, identity: CurrentIdentity, q: str = "") -> list[dict[str, Any]]:
    return await search_bins(pool, q, visible_warehouses(identity))


@router.get("/api/lookup/item/{barcode}")
async def look_up_item(barcode: str, pool: Pool, identity: CurrentIdentity) -> dict[str, Any]:
    found = await item_by_barcode(pool, barcode.strip(), visible_warehouses(identity))
    if found is None:
        raise NotFound("Item not found.", legacy_error="Item not found")
    return found


@router.get("/api/lookup/bin/{barcode}")
async def look_up_bin(barcode: str, pool: Pool, identity: CurrentIdentity) -> dict[str, Any]:
    found = await bin_by_barcode(pool, barcode.strip(), visible_warehouses(identity))
    if found is None:
        raise NotFound("Bin not found.", legacy_error="Bin not found")
    return found
