"""Catalog reads for the HTTP side: warehouses, zones, bins."""

from __future__ import annotations

from typing import Any

import asyncpg

from canonical.pagination import Page
from inventory.adapters.repositories.catalog import bin_from_row, warehouse_from_row
from inventory.domain.catalog.changes import state_of

_WAREHOUSE_COLUMNS = "warehouse_id, warehouse_code, warehouse_name, address, is_active, created_at"
_BIN_COLUMNS = (
    "b.bin_id, b.external_id, b.warehouse_id, b.zone_id, b.bin_code, b.bin_barcode, b.bin_type, b.aisle, b.row_num,"
    " b.level_num, b.position_num, b.pick_sequence, b.putaway_sequence, b.description, b.is_active"
)


class Filters:
    """A WHERE clause built from optional filters, with numbered parameters."""

    def __init__(self) -> None:
        self.conditions: list[str] = []
        self.args: list[Any] = []

    def add(self, condition: str, value: Any) -> None:
        if value is not None:
            self.args.append(value)
            self.conditions.append(condition.replace("?", f"${len(self.args)}"))

    @property
    def where(self) -> str:
        return f" WHERE {' AND '.join(self.conditions)}" if self.conditions else ""

    def paged(self, page: Page) -> tuple[str, list[Any]]:
        n = len(self.args)
        return f" LIMIT ${n + 1} OFFSET ${n + 2}", [*self.args, page.per_page, page.offset]


async def list_warehouses(pool: asyncpg.Pool, page: Page) -> tuple[list[dict[str, Any]], int]:
    async with pool.acquire() as connection:
        total = int(await connection.fetchval("SELECT count(*) FROM warehouses"))
        rows = await connection.fetch(
            f"SELECT {_WAREHOUSE_COLUMNS} FROM warehouses ORDER BY warehouse_id LIMIT $1 OFFSET $2",  # noqa: S608
            page.per_page,
            page.offset,
        )
    return [state_of(warehouse_from_row(r)) for r in rows], total


async def warehouse_detail(pool: asyncpg.Pool, warehouse_id: int) -> dict[str, Any] | None:
    async with pool.acquire() as connection:
        row = await connection.fetchrow(
            f"SELECT {_WAREHOUSE_COLUMNS} FROM warehouses WHERE warehouse_id = $1",  # noqa: S608
            warehouse_id,
        )
        if row is None:
            return None
        zones = await connection.fetch(
            "SELECT zone_id, warehouse_id, zone_code, zone_name, zone_type, is_active FROM zones"
            " WHERE warehouse_id = $1 ORDER BY zone_code",
            warehouse_id,
        )
    return {"warehouse": state_of(warehouse_from_row(row)), "zones": [dict(z) for z in zones]}


async def active_warehouses(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT warehouse_id, warehouse_name, warehouse_code FROM warehouses WHERE is_active ORDER BY warehouse_name"
    )
    return [{"id": r["warehouse_id"], "name": r["warehouse_name"], "code": r["warehouse_code"]} for r in rows]


async def list_zones(
    pool: asyncpg.Pool, page: Page, warehouse_id: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    filters = Filters()
    filters.add("warehouse_id = ?", warehouse_id)
    limit, args = filters.paged(page)
    async with pool.acquire() as connection:
        total = int(await connection.fetchval(f"SELECT count(*) FROM zones{filters.where}", *filters.args))  # noqa: S608
        rows = await connection.fetch(
            "SELECT zone_id, warehouse_id, zone_code, zone_name, zone_type, is_active FROM zones"  # noqa: S608
            f"{filters.where} ORDER BY warehouse_id, zone_code{limit}",
            *args,
        )
    return [dict(r) for r in rows], total


def _bin(row: asyncpg.Record) -> dict[str, Any]:
    return {**state_of(bin_from_row(row)), "zone_name": row["zone_name"]}


async def list_bins(
    pool: asyncpg.Pool,
    page: Page,
    *,
    warehouse_id: int | None = None,
    zone_id: int | None = None,
    bin_type: str | None = None,
    q: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    filters = Filters()
    filters.add("b.warehouse_id = ?", warehouse_id)
    filters.add("b.zone_id = ?", zone_id)
    filters.add("b.bin_type = ?", bin_type)
    filters.add("(b.bin_code ILIKE ? OR b.bin_barcode ILIKE ?)", like_pattern(q))
    limit, args = filters.paged(page)
    source = f"FROM bins b JOIN zones z ON z.zone_id = b.zone_id{filters.where}"
    async with pool.acquire() as connection:
        total = int(await connection.fetchval(f"SELECT count(*) {source}", *filters.args))
        rows = await connection.fetch(
            f"SELECT {_BIN_COLUMNS}, z.zone_name {source} ORDER BY b.pick_sequence, b.bin_code{limit}",
            *args,
        )
    return [_bin(r) for r in rows], total


async def bin_detail(pool: asyncpg.Pool, bin_id: int) -> dict[str, Any] | None:
    row = await pool.fetchrow(
        f"SELECT {_BIN_COLUMNS}, z.zone_name FROM bins b JOIN zones z ON z.zone_id = b.zone_id"  # noqa: S608
        " WHERE b.bin_id = $1",
        bin_id,
    )
    return None if row is None else _bin(row)


def like_pattern(text: str | None) -> str | None:
    """A case-insensitive substring pattern matching `text` literally (None: no filter)."""
    if text is None:
        return None
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
