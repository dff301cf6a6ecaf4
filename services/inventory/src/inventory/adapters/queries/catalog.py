"""Catalog reads."""

from __future__ import annotations

from typing import Any

import asyncpg

from canonical.pagination import Page

_WAREHOUSE_COLUMNS = "warehouse_id, warehouse_code, warehouse_name, address, is_active, created_at"


def _warehouse(row: asyncpg.Record) -> dict[str, Any]:
    return {**dict(row), "created_at": row["created_at"].isoformat()}


async def list_warehouses(pool: asyncpg.Pool, page: Page) -> tuple[list[dict[str, Any]], int]:
    async with pool.acquire() as connection:
        total = int(await connection.fetchval("SELECT count(*) FROM warehouses"))
        rows = await connection.fetch(
            f"SELECT {_WAREHOUSE_COLUMNS} FROM warehouses ORDER BY warehouse_id LIMIT $1 OFFSET $2",  # noqa: S608
            page.per_page,
            page.offset,
        )
    return [_warehouse(r) for r in rows], total


async def active_warehouses(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT warehouse_id, warehouse_name, warehouse_code FROM warehouses WHERE is_active ORDER BY warehouse_name"
    )
    return [{"id": r["warehouse_id"], "name": r["warehouse_name"], "code": r["warehouse_code"]} for r in rows]
