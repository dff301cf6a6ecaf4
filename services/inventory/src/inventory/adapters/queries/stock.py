"""Stock reads for the HTTP side."""

from __future__ import annotations

from typing import Any

import asyncpg

_POSITION_COLUMNS = (
    "s.item_id, s.bin_id, s.warehouse_id, s.lot_number, s.expiry_date, s.uom, s.quantity_on_hand,"
    " s.quantity_allocated, s.quantity_on_hand - s.quantity_allocated AS quantity_available"
)


def _position(row: asyncpg.Record) -> dict[str, Any]:
    values = dict(row)
    if values.get("expiry_date") is not None:
        values["expiry_date"] = values["expiry_date"].isoformat()
    return values


async def stock_in_bin(pool: asyncpg.Pool, bin_id: int) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        f"SELECT {_POSITION_COLUMNS}, i.sku, i.item_name FROM stock s JOIN items i ON i.item_id = s.item_id"  # noqa: S608
        " WHERE s.bin_id = $1 ORDER BY i.sku, s.lot_number NULLS FIRST",
        bin_id,
    )
    return [_position(r) for r in rows]


async def stock_of_item(pool: asyncpg.Pool, item_id: int) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        f"SELECT {_POSITION_COLUMNS}, b.bin_code, b.bin_type, z.zone_name FROM stock s"  # noqa: S608
        " JOIN bins b ON b.bin_id = s.bin_id JOIN zones z ON z.zone_id = b.zone_id"
        " WHERE s.item_id = $1 ORDER BY b.pick_sequence, b.bin_code, s.lot_number NULLS FIRST",
        item_id,
    )
    return [_position(r) for r in rows]


async def inter_warehouse_transfers(pool: asyncpg.Pool, limit: int) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT t.transfer_id, t.item_id, i.sku, i.item_name, t.from_bin_id, fb.bin_code AS from_bin_code,"
        " t.from_warehouse_id, fw.warehouse_name AS from_warehouse_name, fw.warehouse_code AS from_warehouse_code,"
        " t.to_bin_id, tb.bin_code AS to_bin_code, t.to_warehouse_id, tw.warehouse_name AS to_warehouse_name,"
        " tw.warehouse_code AS to_warehouse_code, t.quantity, t.transferred_by, t.transferred_at"
        " FROM transfers t LEFT JOIN items i ON i.item_id = t.item_id"
        " LEFT JOIN bins fb ON fb.bin_id = t.from_bin_id LEFT JOIN bins tb ON tb.bin_id = t.to_bin_id"
        " LEFT JOIN warehouses fw ON fw.warehouse_id = t.from_warehouse_id"
        " LEFT JOIN warehouses tw ON tw.warehouse_id = t.to_warehouse_id"
        " WHERE t.transfer_type = 'INTER_WAREHOUSE' ORDER BY t.transferred_at DESC, t.transfer_id DESC LIMIT $1",
        limit,
    )
    return [{**dict(r), "transferred_at": r["transferred_at"].isoformat(), "status": "completed"} for r in rows]
