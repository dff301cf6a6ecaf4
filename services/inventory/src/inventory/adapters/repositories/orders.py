"""Sales orders for command handlers, read under their stream locks."""

from __future__ import annotations

from typing import Any

import asyncpg

from canonical.db import Connection
from inventory.domain.orders.sales_order import SalesOrder, SoLine

_HEADER = (
    "so_id, external_id, so_number, so_barcode, warehouse_id, status, order_date, created_at, created_by, priority,"
    " customer_name, customer_id, customer_phone, customer_address, ship_method, ship_address, billing_address,"
    " shipping_address, ship_by_date, picked_at, packed_at, shipped_at, cancelled_at, carrier, tracking_number,"
    " fulfillment_id, fulfillment_external_id"
)
_TIMES = ("order_date", "created_at", "picked_at", "packed_at", "shipped_at", "cancelled_at", "ship_by_date")


def _header(row: asyncpg.Record) -> dict[str, Any]:
    values = dict(row)
    for key in _TIMES:
        if values[key] is not None:
            values[key] = values[key].isoformat()
    for key in ("external_id", "fulfillment_external_id"):
        if values[key] is not None:
            values[key] = str(values[key])
    return values


_SEQUENCES = frozenset({"sales_order_id_seq", "sales_order_line_id_seq", "fulfillment_id_seq"})


class SalesOrderRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def next_id(self, sequence: str) -> int:
        if sequence not in _SEQUENCES:
            raise ValueError(f"unknown id sequence {sequence}")
        return int(await self._connection.fetchval(f"SELECT nextval('{sequence}')"))

    async def sales_order(self, so_id: int) -> SalesOrder | None:
        row = await self._connection.fetchrow(f"SELECT {_HEADER} FROM sales_orders WHERE so_id = $1", so_id)  # noqa: S608
        if row is None:
            return None
        lines = await self._connection.fetch(
            "SELECT so_line_id, item_id, line_number, quantity_ordered, quantity_allocated, quantity_picked,"
            " quantity_packed, quantity_shipped, status FROM sales_order_lines WHERE so_id = $1"
            " ORDER BY line_number, so_line_id",
            so_id,
        )
        return SalesOrder(**_header(row), lines=tuple(SoLine(**dict(line)) for line in lines))

    async def so_id_by_number(self, so_number: str) -> int | None:
        value = await self._connection.fetchval("SELECT so_id FROM sales_orders WHERE so_number = $1", so_number)
        return None if value is None else int(value)

    async def so_id_by_barcode(self, barcode: str, warehouse_id: int) -> int | None:
        """Barcode or number within one warehouse; the first match wins, as in v1.7."""
        value = await self._connection.fetchval(
            "SELECT so_id FROM sales_orders WHERE (so_barcode = $1 OR so_number = $1) AND warehouse_id = $2"
            " ORDER BY so_id LIMIT 1",
            barcode,
            warehouse_id,
        )
        return None if value is None else int(value)
