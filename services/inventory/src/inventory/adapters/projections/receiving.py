"""Receiving read models: purchase orders with lines, and receipts. Order events carry the full order."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from canonical.db import Connection
from canonical.events.envelope import CloudEvent


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _timestamp(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


# The order and its lines in one statement (one round trip); order events carry the whole order.
_UPSERT_ORDER = (
    "WITH header AS (INSERT INTO purchase_orders (po_id, external_id, po_number, po_barcode, vendor_name, vendor_id,"
    " status, expected_date, warehouse_id, notes, created_at, received_at, created_by)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    " ON CONFLICT (po_id) DO UPDATE SET po_number = EXCLUDED.po_number, po_barcode = EXCLUDED.po_barcode,"
    " vendor_name = EXCLUDED.vendor_name, vendor_id = EXCLUDED.vendor_id, status = EXCLUDED.status,"
    " expected_date = EXCLUDED.expected_date, notes = EXCLUDED.notes, received_at = EXCLUDED.received_at)"
    " INSERT INTO purchase_order_lines (po_line_id, po_id, item_id, line_number, quantity_ordered,"
    " quantity_received, unit_cost, status)"
    " SELECT l.po_line_id, $1, l.item_id, l.line_number, l.quantity_ordered, l.quantity_received, l.unit_cost, l.status"
    " FROM unnest($14::int[], $15::int[], $16::int[], $17::int[], $18::int[], $19::numeric[], $20::text[])"
    " AS l (po_line_id, item_id, line_number, quantity_ordered, quantity_received, unit_cost, status)"
    " ON CONFLICT (po_line_id) DO UPDATE SET quantity_received = EXCLUDED.quantity_received,"
    " status = EXCLUDED.status"
)
_LINE_COLUMNS = ("po_line_id", "item_id", "line_number", "quantity_ordered", "quantity_received", "unit_cost", "status")


async def _apply_order(connection: Connection, data: dict[str, Any]) -> None:
    await connection.execute(
        _UPSERT_ORDER,
        data["po_id"],
        data["external_id"],
        data["po_number"],
        data["po_barcode"],
        data["vendor_name"],
        data["vendor_id"],
        data["status"],
        _date(data["expected_date"]),
        data["warehouse_id"],
        data["notes"],
        _timestamp(data["created_at"]),
        _timestamp(data["received_at"]),
        data["created_by"],
        *([line[c] for line in data["lines"]] for c in _LINE_COLUMNS),
    )


async def _apply_receipt(connection: Connection, data: dict[str, Any]) -> None:
    await connection.execute(
        "INSERT INTO receipts (receipt_id, external_id, po_id, po_line_id, item_id, bin_id, warehouse_id,"
        " quantity_received, quantity_cancelled, lot_number, serial_number, expiry_date, notes, received_by,"
        " received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        data["receipt_id"],
        data["external_id"],
        data["po_id"],
        data["po_line_id"],
        data["item_id"],
        data["bin_id"],
        data["warehouse_id"],
        data["quantity_received"],
        data["quantity_cancelled"],
        data["lot_number"],
        data["serial_number"],
        _date(data["expiry_date"]),
        data["notes"],
        data["received_by"],
        _timestamp(data["received_at"]),
    )


async def apply_receiving_event(connection: Connection, event: CloudEvent) -> None:
    if event.type.startswith("purchase_order."):
        await _apply_order(connection, event.data)
    elif event.type == "receipt.recorded":
        await _apply_receipt(connection, event.data)
    elif event.type == "receipt.cancelled":
        await connection.execute(
            "UPDATE receipts SET quantity_cancelled = $2 WHERE receipt_id = $1",
            event.data["receipt_id"],
            event.data["quantity_cancelled"],
        )
