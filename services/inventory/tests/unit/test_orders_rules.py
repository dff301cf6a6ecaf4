"""Sales orders, packing and shipping rules (pure domain)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from inventory.domain.catalog.item import Item
from inventory.domain.orders.sales_order import (
    InvalidSalesOrder,
    NewSoLine,
    SalesOrder,
    SalesOrderNotCancellable,
    SalesOrderNotEditable,
    SoLine,
    allocate_lines,
    cancel_sales_order,
    complete_picking,
    create_sales_order,
    credit_picks,
    release_lines,
    update_sales_order,
)
from inventory.domain.shipping.packing import (
    LinesUnverified,
    NotReadyForPacking,
    PackScanRejected,
    complete_pack,
    verify_pack,
)
from inventory.domain.shipping.shipping import NotShippable, Shipment, fulfill

NOW = datetime(2026, 12, 4, 23, 0, tzinfo=UTC)
ITEMS = {
    7: Item(7, "00000000-0000-0000-0000-000000000007", "TST-7", "Reel", "t", "t", upc="777", weight_lbs=0.6),
    8: Item(8, "00000000-0000-0000-0000-000000000008", "TST-8", "Net", "t", "t", upc="888"),
}


def new_order(*lines: tuple[int, int]) -> SalesOrder:
    event = create_sales_order(
        1,
        "00000000-0000-0000-0000-0000000000aa",
        {"so_number": " SO-1 ", "warehouse_id": 1, "customer_name": "Fly Shop"},
        [NewSoLine(item, quantity) for item, quantity in lines],
        [11, 12, 13][: len(lines)],
        [],
        "admin",
        NOW,
    )
    data = dict(event.data)
    return SalesOrder(**{**data, "lines": tuple(SoLine(**line) for line in data["lines"])})


def picked_order() -> SalesOrder:
    so = new_order((7, 3), (8, 2))
    allocated = allocate_lines(so, {11: 3, 12: 1})
    so = replace(
        so,
        status="PICKING",
        lines=tuple(replace(line, quantity_allocated=a) for line, a in zip(so.lines, (3, 1), strict=True)),
    )
    assert allocated.data["status"] == "PICKING"
    credited = credit_picks(so, {11: 3}, {12: 1})
    assert [(line["quantity_picked"], line["quantity_allocated"]) for line in credited.data["lines"]] == [
        (3, 3),
        (0, 0),
    ]
    so = replace(so, lines=(replace(so.lines[0], quantity_picked=3), replace(so.lines[1], quantity_allocated=0)))
    events = complete_picking(so, {i: item.external_id for i, item in ITEMS.items()}, "user-1", NOW)
    assert [e.event_type for e in events] == ["sales_order.picking_completed", "pick.confirmed"]
    assert events[1].data["lines"] == [
        {"item_external_id": ITEMS[7].external_id, "quantity_picked": 3, "lot_number": None, "serial_number": None},
        {"item_external_id": ITEMS[8].external_id, "quantity_picked": 0, "lot_number": None, "serial_number": None},
    ]
    assert events[1].data["completed_at"] == "2026-12-04T23:00:00Z"
    return replace(so, status="PICKED")


def test_create_numbers_lines_and_defaults_the_barcode() -> None:
    so = new_order((7, 3), (8, 2))
    assert (so.so_number, so.so_barcode, so.status, so.priority) == ("SO-1", "SO-1", "OPEN", 0)
    assert [line.line_number for line in so.lines] == [1, 2]
    with pytest.raises(InvalidSalesOrder):
        create_sales_order(1, "x", {"so_number": "A", "warehouse_id": 1}, [NewSoLine(1, 1)], [1], [1], "a", NOW)


def test_only_open_orders_are_edited_and_only_open_or_picking_cancelled() -> None:
    so = new_order((7, 3))
    assert update_sales_order(so, {"priority": 4}, number_taken=False).data["priority"] == 4
    for status in ("PICKED", "PACKED", "SHIPPED", "CANCELLED"):
        with pytest.raises(SalesOrderNotCancellable):
            cancel_sales_order(replace(so, status=status), NOW)
    with pytest.raises(SalesOrderNotEditable):
        update_sales_order(replace(so, status="PICKING"), {"priority": 4}, number_taken=False)
    picking = replace(so, status="PICKING", lines=(replace(so.lines[0], quantity_allocated=3, quantity_picked=1),))
    cancelled = cancel_sales_order(picking, NOW).data
    assert (cancelled["status"], cancelled["lines"][0]["quantity_allocated"]) == ("CANCELLED", 0)
    released = release_lines(picking, {11: 2}).data
    assert (released["status"], released["lines"][0]["quantity_allocated"]) == ("OPEN", 1)


def test_packing_verifies_scans_against_picked_units_then_completes() -> None:
    so = picked_order()
    with pytest.raises(NotReadyForPacking):
        verify_pack(replace(so, status="PICKING"), "777", 1, ITEMS, accept_sku=True)
    with pytest.raises(PackScanRejected, match="not found"):
        verify_pack(so, "999", 1, ITEMS, accept_sku=True)
    with pytest.raises(PackScanRejected, match="remaining"):
        verify_pack(so, "777", 4, ITEMS, accept_sku=True)
    with pytest.raises(LinesUnverified):
        complete_pack(so, ITEMS, "user-1", NOW)
    verified = verify_pack(so, "TST-7", 3, ITEMS, accept_sku=True)
    assert (verified.line.status, verified.line.pack_verified) == ("PACKED", True)
    with pytest.raises(PackScanRejected, match="already"):
        verify_pack(verified.order, "777", 1, ITEMS, accept_sku=True)
    packed, confirmed = complete_pack(verified.order, ITEMS, "user-1", NOW)
    assert packed.data["status"] == "PACKED"
    package = confirmed.data["packages"][0]
    assert (package["package_external_id"], package["weight_lb"]) == (f"{so.external_id}-pkg-1", 1.8)


def test_shipping_needs_packing_unless_the_warehouse_turned_it_off() -> None:
    so = picked_order()
    shipment = Shipment(5, "00000000-0000-0000-0000-0000000000f5", "UPS", "1Z", "GROUND")
    with pytest.raises(NotShippable, match="packed"):
        fulfill(so, shipment, ITEMS, require_packing=True, actor="u", now=NOW)
    shipped, confirmed = fulfill(so, shipment, ITEMS, require_packing=False, actor="u", now=NOW)
    assert [(line["quantity_shipped"], line["status"]) for line in shipped.data["lines"]] == [
        (3, "SHIPPED"),
        (0, "PENDING"),
    ]
    assert (confirmed.data["tracking_numbers"], confirmed.data["service_level"]) == (["1Z"], "GROUND")
    with pytest.raises(NotShippable):
        fulfill(replace(so, status="OPEN"), shipment, ITEMS, require_packing=False, actor="u", now=NOW)
