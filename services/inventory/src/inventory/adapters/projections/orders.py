"""Sales-order read model: every `sales_order.*` event carries the whole order, so each is one upsert."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from canonical.db import Connection
from canonical.events.envelope import CloudEvent

_COLUMNS = (
    "so_id",
    "external_id",
    "so_number",
    "so_barcode",
    "customer_name",
    "customer_id",
    "customer_phone",
    "customer_address",
    "status",
    "priority",
    "warehouse_id",
    "ship_method",
    "ship_address",
    "billing_address",
    "shipping_address",
    "order_date",
    "ship_by_date",
    "created_at",
    "created_by",
    "picked_at",
    "packed_at",
    "shipped_at",
    "cancelled_at",
    "carrier",
    "tracking_number",
    "fulfillment_id",
    "fulfillment_external_id",
)
_TIMESTAMPS = frozenset({"order_date", "created_at", "picked_at", "packed_at", "shipped_at", "cancelled_at"})
_SET = ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c not in {"so_id", "created_at", "created_by"})
_PLACEHOLDERS = ", ".join(f"${n}" for n in range(1, len(_COLUMNS) + 1))
_UPSERT = f"INSERT INTO sales_orders ({', '.join(_COLUMNS)}) VALUES ({_PLACEHOLDERS}) ON CONFLICT (so_id) DO UPDATE SET {_SET}"  # noqa: S608,E501 (fixed names)
_LINE_COLUMNS = (
    "so_line_id",
    "item_id",
    "line_number",
    "quantity_ordered",
    "quantity_allocated",
    "quantity_picked",
    "quantity_packed",
    "quantity_shipped",
    "status",
)
_LINE_TYPES = ("int", "int", "int", "int", "int", "int", "int", "int", "text")


def _upsert_lines(first: int) -> str:
    """The lines, one array per column from parameter `first` on, of the order whose so_id is $1."""
    arrays = ", ".join(f"${n}::{t}[]" for n, t in enumerate(_LINE_TYPES, start=first))
    return (
        f"INSERT INTO sales_order_lines (so_id, {', '.join(_LINE_COLUMNS)})"  # noqa: S608 (fixed names)
        f" SELECT $1, l.* FROM unnest({arrays}) AS l ({', '.join(_LINE_COLUMNS)})"
        " ON CONFLICT (so_line_id) DO UPDATE SET item_id = EXCLUDED.item_id, line_number = EXCLUDED.line_number,"
        " quantity_ordered = EXCLUDED.quantity_ordered, quantity_allocated = EXCLUDED.quantity_allocated,"
        " quantity_picked = EXCLUDED.quantity_picked, quantity_packed = EXCLUDED.quantity_packed,"
        " quantity_shipped = EXCLUDED.quantity_shipped, status = EXCLUDED.status"
    )


# The whole order in one statement (one round trip): the header, its lines, and the lines an inbound update no
# longer names (disjoint from the upserted rows, so one statement may do both). Parameters: the header's columns
# (so_id first), then one array per line column.
_FIRST_LINE_ARRAY = len(_COLUMNS) + 1
_UPSERT_ORDER = (
    f"WITH header AS ({_UPSERT}),"  # noqa: S608 (fixed text)
    f" stale AS (DELETE FROM sales_order_lines WHERE so_id = $1 AND NOT so_line_id = ANY(${_FIRST_LINE_ARRAY}::int[]))"
    f" {_upsert_lines(_FIRST_LINE_ARRAY)}"
)
# `sales_order.picked` carries only the lines a pick credited; the header and the other lines stay as they are.
_UPSERT_PICKED_LINES = _upsert_lines(2)


def _value(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in _TIMESTAMPS:
        return datetime.fromisoformat(value)
    if column == "ship_by_date":
        return date.fromisoformat(value[:10])
    return value


async def apply_orders_event(connection: Connection, event: CloudEvent) -> None:
    if not event.type.startswith("sales_order."):
        return
    data = event.data
    line_columns = [[line[c] for line in data["lines"]] for c in _LINE_COLUMNS]
    if event.type == "sales_order.picked":
        await connection.execute(_UPSERT_PICKED_LINES, data["so_id"], *line_columns)
        return
    await connection.execute(_UPSERT_ORDER, *(_value(c, data[c]) for c in _COLUMNS), *line_columns)
