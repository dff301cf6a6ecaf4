"""Purchase orders and receipts for command handlers, read under their stream locks."""

from __future__ import annotations

from canonical.db import Connection
from inventory.domain.receiving.purchase_order import PoLine, PurchaseOrder
from inventory.domain.receiving.receipt import Receipt

_PO = (
    "SELECT po_id, external_id, po_number, po_barcode, warehouse_id, status, created_at, created_by, vendor_name,"
    " vendor_id, expected_date, notes, received_at FROM purchase_orders"
)


class ReceivingRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def purchase_order(self, po_id: int) -> PurchaseOrder | None:
        row = await self._connection.fetchrow(f"{_PO} WHERE po_id = $1", po_id)
        if row is None:
            return None
        lines = await self._connection.fetch(
            "SELECT po_line_id, item_id, line_number, quantity_ordered, quantity_received, unit_cost"
            " FROM purchase_order_lines WHERE po_id = $1 ORDER BY line_number, po_line_id",
            po_id,
        )
        return PurchaseOrder(
            po_id=row["po_id"],
            external_id=str(row["external_id"]),
            po_number=row["po_number"],
            po_barcode=row["po_barcode"],
            warehouse_id=row["warehouse_id"],
            status=row["status"],
            created_at=row["created_at"].isoformat(),
            created_by=row["created_by"],
            lines=tuple(
                PoLine(**{**dict(line), "unit_cost": None if line["unit_cost"] is None else float(line["unit_cost"])})
                for line in lines
            ),
            vendor_name=row["vendor_name"],
            vendor_id=row["vendor_id"],
            expected_date=None if row["expected_date"] is None else row["expected_date"].isoformat(),
            notes=row["notes"],
            received_at=None if row["received_at"] is None else row["received_at"].isoformat(),
        )

    async def po_number_taken(self, po_number: str) -> bool:
        return bool(await self._connection.fetchval("SELECT 1 FROM purchase_orders WHERE po_number = $1", po_number))

    async def lines_naming(self, item_id: int) -> int:
        return int(
            await self._connection.fetchval("SELECT count(*) FROM purchase_order_lines WHERE item_id = $1", item_id)
        )

    async def receipt(self, receipt_id: int) -> Receipt | None:
        row = await self._connection.fetchrow(
            "SELECT receipt_id, external_id, po_id, po_line_id, item_id, bin_id, warehouse_id, quantity_received,"
            " quantity_cancelled, lot_number, serial_number, expiry_date, notes, received_by, received_at"
            " FROM receipts WHERE receipt_id = $1",
            receipt_id,
        )
        if row is None:
            return None
        return Receipt(
            **{
                **dict(row),
                "external_id": str(row["external_id"]),
                "expiry_date": None if row["expiry_date"] is None else row["expiry_date"].isoformat(),
                "received_at": row["received_at"].isoformat(),
            }
        )
