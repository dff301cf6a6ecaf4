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
_LINES = (
    "INSERT INTO sales_order_lines (so_line_id, so_id, item_id, line_number, quantity_ordered, quantity_allocated,"
    " quantity_picked, quantity_packed, quantity_shipped, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    " ON CONFLICT (so_line_id) DO UPDATE SET item_id = EXCLUDED.item_id, line_number = EXCLUDED.line_number,"
    " quantity_ordered = EXCLUDED.quantity_ordered, quantity_allocated = EXCLUDED.quantity_allocated,"
    " quantity_picked = EXCLUDED.quantity_picked, quantity_packed = EXCLUDED.quantity_packed,"
    " quantity_shipped = EXCLUDED.quantity_shipped, status = EXCLUDED.status"
)


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
    lines = data["lines"]
    if event.type != "sales_order.picked":  # every other event carries the whole order
        await connection.execute(_UPSERT, *(_value(c, data[c]) for c in _COLUMNS))
        # An inbound update may replace an OPEN order's lines: the ones it no longer names go.
        await connection.execute(
            "DELETE FROM sales_order_lines WHERE so_id = $1 AND NOT so_line_id = ANY($2::int[])",
            data["so_id"],
            [line["so_line_id"] for line in lines],
        )
    await connection.executemany(
        _LINES,
        [
            (
                line["so_line_id"],
                data["so_id"],
                line["item_id"],
                line["line_number"],
                line["quantity_ordered"],
                line["quantity_allocated"],
                line["quantity_picked"],
                line["quantity_packed"],
                line["quantity_shipped"],
                line["status"],
            )
            for line in lines
        ],
    )
