"""Settings endpoints: v1.7's global key/value API, with an optional `warehouse_id` for per-warehouse values."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from canonical.errors import NotFound
from inventory.adapters.queries.settings import effective_map, effective_settings, list_settings
from inventory.entrypoints.bodies import Body
from inventory.entrypoints.dependencies import Context, Pool, Uow
from inventory.entrypoints.routers import admin_router, floor_router
from inventory.entrypoints.scoping import RequestedWarehouse
from inventory.service_layer.catalog.settings import handle_update_settings

router = admin_router()
floor = floor_router()


class UpdateSettingsIn(Body):
    settings: dict[str, str] = Field(min_length=1)
    warehouse_id: int | None = None


@router.get("/api/admin/settings")
async def get_settings(pool: Pool, warehouse_id: RequestedWarehouse) -> dict[str, Any]:
    """The stored values: global ones, or a warehouse's overrides when `warehouse_id` is given."""
    return {"settings": await list_settings(pool, warehouse_id)}


@router.get("/api/admin/settings/{key}")
async def get_setting(key: str, pool: Pool, warehouse_id: RequestedWarehouse) -> dict[str, str]:
    """The effective value (warehouse override, else global, else default); legacy key names work too."""
    value = (await effective_settings(pool, warehouse_id)).value(key)
    if value is None:
        raise NotFound(f"Setting {key!r} not found.", legacy_error="Setting not found")
    return {"key": key, "value": value}


@router.put("/api/admin/settings")
async def update_settings(body: UpdateSettingsIn, uow: Uow, context: Context) -> dict[str, str]:
    await handle_update_settings(body.warehouse_id, body.settings, uow, context)
    return {"message": "Settings updated"}


@floor.get("/api/v1/warehouses/{warehouse_id}/settings")
async def get_warehouse_settings(warehouse_id: int, pool: Pool, _: RequestedWarehouse) -> dict[str, Any]:
    """The effective operational settings of one warehouse, for scanners (any role, within scope)."""
    return {"warehouse_id": warehouse_id, "settings": effective_map(await effective_settings(pool, warehouse_id))}
