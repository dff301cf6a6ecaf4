"""Settings reads: the stored rows, and the effective values in one warehouse."""

from __future__ import annotations

from typing import Any

import asyncpg

from canonical.db import Connection
from inventory.domain.catalog.settings import DEFAULTS, WarehouseSettings


async def list_settings(pool: asyncpg.Pool, warehouse_id: int | None) -> list[dict[str, Any]]:
    """Stored rows of one scope (global when `warehouse_id` is None), as v1.7 listed them."""
    rows = await pool.fetch(
        "SELECT setting_id, key, value, updated_at FROM settings"
        " WHERE warehouse_id IS NOT DISTINCT FROM $1 ORDER BY key",
        warehouse_id,
    )
    return [
        {"id": r["setting_id"], "key": r["key"], "value": r["value"], "updated_at": r["updated_at"].isoformat()}
        for r in rows
    ]


async def effective_settings(connection: Connection | asyncpg.Pool, warehouse_id: int | None) -> WarehouseSettings:
    """Read on the caller's connection, so a command sees a settings change committed just before it."""
    rows = await connection.fetch(
        "SELECT key, value FROM settings WHERE warehouse_id IS NULL OR warehouse_id = $1"
        " ORDER BY warehouse_id NULLS FIRST",
        warehouse_id,
    )
    # Ordered global first, so a warehouse override replaces the global value.
    return WarehouseSettings({r["key"]: r["value"] for r in rows})


def effective_map(settings: WarehouseSettings) -> dict[str, str]:
    keys = sorted({*DEFAULTS, *settings.values})
    return {key: value for key in keys if (value := settings.value(key)) is not None}
