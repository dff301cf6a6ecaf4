"""Items: what is stocked, and the barcodes a scanner may present for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from canonical.errors import Conflict, DomainError
from inventory.domain.catalog.changes import changed, state_of
from inventory.domain.events import DomainEvent

MAX_SKU_LENGTH = 128
MAX_ITEM_NAME_LENGTH = 256
MAX_WEIGHT_LBS = 99999


class DuplicateSku(DomainError):
    code = "duplicate_sku"

    def __init__(self, sku: str) -> None:
        super().__init__(f"SKU {sku!r} is already used.", legacy_error="Duplicate SKU")


class SkuInUse(DuplicateSku):
    status = 409


class DuplicateUpc(DomainError):
    code = "duplicate_upc"

    def __init__(self, upc: str) -> None:
        super().__init__(f"UPC {upc!r} is already used.", legacy_error="Duplicate UPC")


class InvalidItem(DomainError):
    code = "invalid_item"


@dataclass(frozen=True)
class Item:
    item_id: int
    external_id: str
    sku: str
    item_name: str
    created_at: str
    updated_at: str
    description: str | None = None
    upc: str | None = None
    barcode_aliases: tuple[str, ...] = ()
    category: str | None = None
    weight_lbs: float | None = None
    length_in: float | None = None
    width_in: float | None = None
    height_in: float | None = None
    default_bin_id: int | None = None
    reorder_point: int = 0
    reorder_qty: int | None = None
    is_lot_tracked: bool = False
    is_serial_tracked: bool = False
    is_active: bool = True

    def matches_scan(self, scanned: str, *, accept_sku: bool) -> bool:
        """UPC and aliases always; the SKU too unless the warehouse turned `accept_sku_scan` off."""
        return scanned == self.upc or scanned in self.barcode_aliases or (accept_sku and scanned == self.sku)


def _checked(item: Item) -> Item:
    if not item.sku.strip() or not item.item_name.strip():
        raise InvalidItem("sku and item_name must not be blank.")
    if item.weight_lbs is not None and not 0 <= item.weight_lbs <= MAX_WEIGHT_LBS:
        raise InvalidItem(f"weight_lbs must be between 0 and {MAX_WEIGHT_LBS}.")
    if item.reorder_point < 0 or (item.reorder_qty is not None and item.reorder_qty < 0):
        raise InvalidItem("reorder_point and reorder_qty must be >= 0.")
    if any(not alias.strip() for alias in item.barcode_aliases):
        raise InvalidItem("barcode aliases must not be blank.")
    return item


@dataclass(frozen=True)
class IdentifiersTaken:
    """Whether another item already holds the SKU, and the UPC, a new item names (read under their locks)."""

    sku: bool
    upc: bool


def create_item(item: Item, *, sku_taken: bool, upc_taken: bool) -> DomainEvent:
    if sku_taken:
        raise DuplicateSku(item.sku)
    if item.upc and upc_taken:
        raise DuplicateUpc(item.upc)
    return DomainEvent("item.created", state_of(_checked(item)))


def update_item(item: Item, changes: Mapping[str, Any], now: str, *, sku_taken: bool) -> DomainEvent:
    # v1.7 checks SKU uniqueness on update but not UPC; kept so existing imports keep working.
    updated = _checked(changed(item, {**changes, "updated_at": now} if changes else changes))
    if sku_taken and updated.sku != item.sku:
        raise SkuInUse(updated.sku)
    return DomainEvent("item.updated", state_of(updated))


def toggle_archive(item: Item, now: str) -> DomainEvent:
    """Archiving is a soft delete: receiving, picking and lookups keep working on archived items."""
    return DomainEvent("item.updated", state_of(changed(item, {"is_active": not item.is_active, "updated_at": now})))


class ItemInStock(DomainError):
    code = "item_in_stock"


class ItemOnSalesOrders(Conflict):
    """v1.7 answers 400; a 409 with its own code says "the item is in use", not "your request is malformed"."""

    code = "item_on_sales_orders"

    def __init__(self, lines: int) -> None:
        text = "Cannot delete item: sales order lines reference it. Archive it instead"
        super().__init__(f"{text} ({lines} line(s)).", legacy_error=text, sales_order_lines=lines)


def delete_item(item: Item, *, units: int, order_lines: int, sales_lines: int) -> DomainEvent:
    """Refused while stock, purchase order lines or sales order lines name it; archiving is the way to
    retire an item with history. Every sales order line counts, open or not (v1.7): a shipped order's
    lines must keep their item, or the order would lose them from its detail and its history."""
    if units:
        raise ItemInStock(f"Cannot delete item: {units} unit(s) are in stock. Archive it instead.")
    if order_lines:
        raise ItemInStock(f"Cannot delete item: {order_lines} purchase order line(s) name it. Archive it instead.")
    if sales_lines:
        raise ItemOnSalesOrders(sales_lines)
    return DomainEvent("item.deleted", {"item_id": item.item_id})


def item_stream(item_id: int) -> str:
    return f"item-{item_id}"
