"""Sales orders for command handlers, read under their stream locks."""

from __future__ import annotations

from typing import Any

import asyncpg

from inventory.adapters.repositories.sequences import SequencedRepository
from inventory.domain.orders.sales_order import SalesOrder, SoLine

_HEADER = (
    "so_id, external_id, so_number, so_barcode, warehouse_id, status, order_date, created_at, created_by, priority,"
    " customer_name, customer_id, customer_phone, customer_address, ship_method, ship_address, billing_address,"
    " shipping_address, ship_by_date, picked_at, packed_at, shipped_at, cancelled_at, carrier, tracking_number,"
    " fulfillment_id, fulfillment_external_id"
)
_LINE_COLUMNS = (
    "so_line_id, item_id, line_number, quantity_ordered, quantity_allocated, quantity_picked, quantity_packed,"
    " quantity_shipped, status"
)
_LINE_FIELDS = tuple(column.strip() for column in _LINE_COLUMNS.split(","))
_ORDER = (
    f"SELECT {_HEADER}, ARRAY(SELECT ({_LINE_COLUMNS}) FROM sales_order_lines l WHERE l.so_id = o.so_id"  # noqa: S608
    " ORDER BY line_number, so_line_id) AS lines FROM sales_orders o WHERE o.so_id = $1"
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


class SalesOrderRepository(SequencedRepository):
    SEQUENCES = frozenset({"sales_order_id_seq", "sales_order_line_id_seq", "fulfillment_id_seq"})

    async def sales_order(self, so_id: int) -> SalesOrder | None:
        """The order and its lines in one round trip (the lines come back as tuples)."""
        row = await self._connection.fetchrow(_ORDER, so_id)
        if row is None:
            return None
        values = _header(row)
        lines = values.pop("lines")
        return SalesOrder(**values, lines=tuple(SoLine(**dict(zip(_LINE_FIELDS, line, strict=True))) for line in lines))

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
