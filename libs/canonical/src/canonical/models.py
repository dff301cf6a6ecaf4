"""The canonical model: the WMS's own shape of records that come from outside.

Inbound mapping documents translate a source system's payload into these
models; the inbound service emits them as events and the owning service
(inventory) applies them. Field names are the v1.7 canonical columns, so
existing mapping documents keep working. Every field but the identifying ones
is optional: a source declares the subset it owns, and fields it does not
declare are never touched (field-set isolation).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Text = Annotated[str, Field(max_length=512)]
ShortText = Annotated[str, Field(min_length=1, max_length=128)]
Quantity = Annotated[int, Field(ge=0)]


class CanonicalRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CanonicalItem(CanonicalRecord):
    sku: ShortText
    item_name: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    description: Text | None = None
    upc: ShortText | None = None
    barcode_aliases: list[ShortText] | None = None
    category: ShortText | None = None
    weight_lbs: Annotated[Decimal, Field(ge=0, le=99999)] | None = None
    length_in: Annotated[Decimal, Field(ge=0)] | None = None
    width_in: Annotated[Decimal, Field(ge=0)] | None = None
    height_in: Annotated[Decimal, Field(ge=0)] | None = None
    reorder_point: Quantity | None = None
    reorder_qty: Quantity | None = None
    is_lot_tracked: bool | None = None
    is_serial_tracked: bool | None = None
    is_active: bool | None = None


class CanonicalParty(CanonicalRecord):
    """Customers and vendors share one shape."""

    name: Annotated[str, Field(min_length=1, max_length=256)]
    email: Text | None = None
    phone: ShortText | None = None
    billing_address: Text | None = None
    shipping_address: Text | None = None
    tax_id: ShortText | None = None
    payment_terms: ShortText | None = None
    is_active: bool | None = None


class CanonicalCustomer(CanonicalParty):
    pass


class CanonicalVendor(CanonicalParty):
    pass


class CanonicalOrderLine(CanonicalRecord):
    line_number: Annotated[int, Field(ge=1)] | None = None
    item_id: UUID | None = None  # the canonical item, when the source refers to one it sent
    sku: ShortText | None = None
    quantity_ordered: Annotated[int, Field(ge=1)]
    unit_cost: Annotated[Decimal, Field(ge=0)] | None = None


class CanonicalSalesOrder(CanonicalRecord):
    so_number: ShortText
    so_barcode: ShortText | None = None
    customer_id: UUID | None = None
    customer_name: Annotated[str, Field(max_length=256)] | None = None
    customer_phone: ShortText | None = None
    customer_address: Text | None = None
    priority: Annotated[int, Field(ge=0, le=10)] | None = None
    warehouse_id: Annotated[int, Field(ge=1)] | None = None
    ship_method: ShortText | None = None
    ship_address: Text | None = None
    billing_address: Text | None = None
    shipping_address: Text | None = None
    order_date: datetime | date | None = None
    ship_by_date: datetime | date | None = None
    lines: list[CanonicalOrderLine] | None = None


class CanonicalPurchaseOrder(CanonicalRecord):
    po_number: ShortText
    po_barcode: ShortText | None = None
    vendor_id: UUID | None = None
    vendor_name: Annotated[str, Field(max_length=256)] | None = None
    expected_date: datetime | date | None = None
    warehouse_id: Annotated[int, Field(ge=1)] | None = None
    notes: Text | None = None
    lines: list[CanonicalOrderLine] | None = None


CANONICAL_MODELS: dict[str, type[CanonicalRecord]] = {
    "item": CanonicalItem,
    "customer": CanonicalCustomer,
    "vendor": CanonicalVendor,
    "sales_order": CanonicalSalesOrder,
    "purchase_order": CanonicalPurchaseOrder,
}
LINE_MODEL = CanonicalOrderLine
