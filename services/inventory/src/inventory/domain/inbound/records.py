"""What an accepted canonical record asks of inventory, and why one may be refused.

The inbound service has validated the record against the canonical model and
kept only the fields its mapping document declares (field-set isolation): a
field that is absent is never touched. A declared field without a value
clears an optional attribute but cannot blank one inventory requires (an
item's name, a PO's barcode): that attribute keeps its value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from canonical.errors import DomainError
from inventory.domain.catalog.item import Item
from inventory.domain.receiving.purchase_order import NewLine, PurchaseOrder


class RejectedOnApply(DomainError):
    """The record is valid canonically but cannot become (or change) an inventory record."""

    status = 422
    code = "rejected_on_apply"


class UnknownLineItem(RejectedOnApply):
    code = "unknown_item"


class WarehouseRequired(RejectedOnApply):
    code = "warehouse_required"


class WarehouseNotChangeable(RejectedOnApply):
    code = "warehouse_not_changeable"


class ItemNameRequired(RejectedOnApply):
    code = "item_name_required"


class LinesNotUpdatable(RejectedOnApply):
    code = "order_lines_changed"


class LinesRequired(RejectedOnApply):
    code = "order_lines_required"


class RecordGone(RejectedOnApply):
    """The local record a canonical id maps to was deleted in the WMS."""

    code = "local_record_deleted"


class InvalidCanonicalRecord(RejectedOnApply):
    code = "invalid_canonical_record"


class NotAppliedHere(RejectedOnApply):
    code = "canonical_type_not_applied"


@dataclass(frozen=True)
class AcceptedRecord:
    """The data of one `inbound.record_accepted` event."""

    event_id: str
    inbound_id: int
    resource: str
    canonical_type: str
    canonical_id: UUID
    external_version: str
    record: Mapping[str, Any]

    @classmethod
    def from_event(cls, event_id: str, data: Mapping[str, Any]) -> AcceptedRecord:
        return cls(
            event_id=event_id,
            inbound_id=int(data["inbound_id"]),
            resource=str(data["resource"]),
            canonical_type=str(data["canonical_type"]),
            canonical_id=UUID(str(data["canonical_id"])),
            external_version=str(data["external_version"]),
            record=dict(data["record"]),
        )


SET_ASIDE = "apply_failed"  # the code of a record set aside as a dead letter


@dataclass(frozen=True)
class Outcome:
    """Applied (created, updated or unchanged, with the local id) or refused with a stable code."""

    local_id: int | None = None
    action: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def applied(self) -> bool:
        return self.error_code is None

    @classmethod
    def refused(cls, error: DomainError) -> Outcome:
        return cls(error_code=error.code, error_message=error.message[:1000])

    @classmethod
    def set_aside(cls) -> Outcome:
        """Not applied because applying it kept failing: held as a dead letter for an operator."""
        return cls(error_code=SET_ASIDE, error_message="Inventory could not apply this record; an operator has it.")

    def event_data(self, accepted: AcceptedRecord) -> tuple[str, dict[str, Any]]:
        """The `inbound.record_applied` / `inbound.record_apply_failed` the inbound service waits for."""
        about = {
            "inbound_id": accepted.inbound_id,
            "resource": accepted.resource,
            "canonical_type": accepted.canonical_type,
            "canonical_id": str(accepted.canonical_id),
        }
        if self.applied:
            return "inbound.record_applied", {**about, "local_id": self.local_id, "action": self.action}
        return "inbound.record_apply_failed", {**about, "code": self.error_code, "message": self.error_message}


# Attributes an item always has: a declared field without a value leaves them as they are.
_ITEM_REQUIRED = frozenset(
    {"sku", "item_name", "reorder_point", "is_lot_tracked", "is_serial_tracked", "is_active", "barcode_aliases"}
)
_ITEM_DIMENSIONS = frozenset({"weight_lbs", "length_in", "width_in", "height_in"})


def item_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, value in record.items():
        if value is None and name in _ITEM_REQUIRED:
            continue
        if value is not None and name in _ITEM_DIMENSIONS:
            value = float(Decimal(str(value)))  # canonical decimals travel as JSON strings
        fields[name] = value
    if "sku" in fields:
        fields["sku"] = str(fields["sku"]).strip()
    return fields


def new_item_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    if not str(fields.get("item_name") or "").strip():
        raise ItemNameRequired("A new item needs an item_name; the mapping document must declare it.")
    return dict(fields)


def item_changes(item: Item, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Only what differs, so a re-sent record that changes nothing appends no event."""
    current = {name: getattr(item, name) for name in fields}
    current["barcode_aliases"] = list(item.barcode_aliases)
    return {name: value for name, value in fields.items() if current[name] != value}


@dataclass(frozen=True)
class LineRef:
    """An order line names its item by canonical id (one the source sent) or by SKU."""

    item_canonical_id: UUID | None
    sku: str | None
    quantity_ordered: int
    unit_cost: float | None
    line_number: int | None

    @property
    def label(self) -> str:
        return str(self.item_canonical_id) if self.item_canonical_id is not None else f"SKU {self.sku}"


def order_lines(record: Mapping[str, Any]) -> list[LineRef] | None:
    """None when the document does not declare lines (the order's lines are then left alone)."""
    if record.get("lines") is None:
        return None
    return [
        LineRef(
            item_canonical_id=UUID(str(line["item_id"])) if line.get("item_id") else None,
            sku=str(line["sku"]).strip() if line.get("sku") else None,
            quantity_ordered=int(line["quantity_ordered"]),
            unit_cost=float(Decimal(str(line["unit_cost"]))) if line.get("unit_cost") is not None else None,
            line_number=line.get("line_number"),
        )
        for line in record["lines"]
    ]


def resolved_lines(refs: Sequence[LineRef], item_ids: Sequence[int | None]) -> list[NewLine]:
    """`item_ids[i]` is the inventory item of `refs[i]`, or None when inventory does not know it."""
    for ref, item_id in zip(refs, item_ids, strict=True):
        if item_id is None:
            raise UnknownLineItem(f"Line item {ref.label} is not an item of this WMS (send the item first).")
    return [
        NewLine(item_id, ref.quantity_ordered, ref.unit_cost, ref.line_number)
        for ref, item_id in zip(refs, item_ids, strict=True)
        if item_id is not None
    ]


def _iso_date(value: Any) -> str | None:
    """Purchase orders keep a date; a canonical timestamp keeps its calendar day."""
    return None if value is None else datetime.fromisoformat(str(value)).date().isoformat()


_PO_HEADER = ("po_number", "po_barcode", "vendor_name", "vendor_id", "expected_date", "notes")


def po_header(record: Mapping[str, Any]) -> dict[str, Any]:
    header = {name: record[name] for name in _PO_HEADER if name in record}
    if "expected_date" in header:
        header["expected_date"] = _iso_date(header["expected_date"])
    if header.get("vendor_id") is not None:
        header["vendor_id"] = str(header["vendor_id"])
    if header.get("po_barcode") is None:
        header.pop("po_barcode", None)  # the barcode defaults to the number and is never blank
    return header


def new_po_fields(record: Mapping[str, Any], lines: Sequence[NewLine] | None) -> dict[str, Any]:
    if record.get("warehouse_id") is None:
        raise WarehouseRequired("A new purchase order needs a warehouse_id; the mapping document must declare it.")
    if not lines:
        raise LinesRequired("A new purchase order needs at least one line.")
    return {**po_header(record), "warehouse_id": int(record["warehouse_id"])}


def po_changes(po: PurchaseOrder, record: Mapping[str, Any], lines: Sequence[NewLine] | None) -> dict[str, Any]:
    """Header fields that differ; lines and warehouse are fixed once the order exists (edits keep them)."""
    warehouse_id = record.get("warehouse_id")
    if warehouse_id is not None and int(warehouse_id) != po.warehouse_id:
        raise WarehouseNotChangeable(f"Purchase order {po.po_number} belongs to warehouse {po.warehouse_id}.")
    if lines is not None:
        current = [(line.item_id, line.quantity_ordered) for line in sorted(po.lines, key=lambda x: x.line_number)]
        if [(line.item_id, line.quantity_ordered) for line in lines] != current:
            raise LinesNotUpdatable(
                f"The lines of purchase order {po.po_number} cannot change once it exists; send a new order."
            )
    return {name: value for name, value in po_header(record).items() if getattr(po, name) != value}
