"""Pure rules of applying canonical records: field-set isolation, line resolution, what an order may change."""

from __future__ import annotations

import uuid

import pytest

from inventory.domain.catalog.item import Item
from inventory.domain.inbound.parties import Party, PartyKind, PartyNameRequired, create_party, update_party
from inventory.domain.inbound.records import (
    AcceptedRecord,
    ItemNameRequired,
    LinesNotUpdatable,
    Outcome,
    UnknownLineItem,
    WarehouseNotChangeable,
    WarehouseRequired,
    item_changes,
    item_fields,
    new_item_fields,
    new_po_fields,
    order_lines,
    po_changes,
    resolved_lines,
)
from inventory.domain.receiving.purchase_order import PoLine, PurchaseOrder

NOW = "2026-12-04T12:00:00+00:00"


def an_item(**changes: object) -> Item:
    values: dict[str, object] = {
        "item_id": 1, "external_id": str(uuid.uuid4()), "sku": "A", "item_name": "A", "created_at": NOW,
        "updated_at": NOW, "barcode_aliases": ("A-1",), "weight_lbs": 2.0,
    }  # fmt: skip
    return Item(**{**values, **changes})  # type: ignore[arg-type]


def a_po(**changes: object) -> PurchaseOrder:
    values: dict[str, object] = {
        "po_id": 3, "external_id": str(uuid.uuid4()), "po_number": "PO-1", "po_barcode": "PO-1", "warehouse_id": 1,
        "status": "OPEN", "created_at": NOW, "created_by": "t", "lines": (PoLine(1, 10, 1, 5), PoLine(2, 11, 2, 7)),
    }  # fmt: skip
    return PurchaseOrder(**{**values, **changes})  # type: ignore[arg-type]


def test_declared_fields_without_a_value_clear_only_what_may_be_empty() -> None:
    fields = item_fields({"sku": " A ", "item_name": None, "description": None, "weight_lbs": "1.25"})
    assert fields == {"sku": "A", "description": None, "weight_lbs": 1.25}


def test_a_new_item_needs_a_name() -> None:
    with pytest.raises(ItemNameRequired):
        new_item_fields({"sku": "A"})


def test_only_differences_are_item_changes() -> None:
    item = an_item()
    assert item_changes(item, {"sku": "A", "barcode_aliases": ["A-1"], "weight_lbs": 2.0}) == {}
    assert item_changes(item, {"barcode_aliases": ["A-2"], "category": "X"}) == {
        "barcode_aliases": ["A-2"],
        "category": "X",
    }


def test_lines_name_items_by_canonical_id_or_sku_and_unknown_ones_are_refused() -> None:
    known = uuid.uuid4()
    refs = order_lines({"lines": [{"item_id": str(known), "quantity_ordered": 2}, {"sku": "B", "quantity_ordered": 1}]})
    assert refs is not None
    assert [line.item_id for line in resolved_lines(refs, [10, 11])] == [10, 11]
    with pytest.raises(UnknownLineItem, match="SKU B"):
        resolved_lines(refs, [10, None])
    assert order_lines({"po_number": "X"}) is None


def test_a_new_order_needs_a_warehouse() -> None:
    with pytest.raises(WarehouseRequired):
        new_po_fields({"po_number": "X"}, [])


def test_an_existing_order_changes_its_header_only() -> None:
    po = a_po()
    same_lines = resolved_lines(
        order_lines({"lines": [{"sku": "A", "quantity_ordered": 5}, {"sku": "B", "quantity_ordered": 7}]}) or [],
        [10, 11],
    )
    assert po_changes(po, {"po_number": "PO-1", "notes": "n", "expected_date": "2026-12-24T08:00:00Z"}, same_lines) == {
        "notes": "n",
        "expected_date": "2026-12-24",
    }
    with pytest.raises(LinesNotUpdatable):
        po_changes(po, {"po_number": "PO-1"}, same_lines[:1])
    with pytest.raises(WarehouseNotChangeable):
        po_changes(po, {"po_number": "PO-1", "warehouse_id": 2}, None)


def test_parties_are_created_with_a_name_and_updated_only_when_something_changes() -> None:
    canonical_id = uuid.uuid4()
    with pytest.raises(PartyNameRequired):
        create_party(PartyKind.VENDOR, canonical_id, {"email": "x@example.com"}, 1, NOW)
    created = create_party(PartyKind.CUSTOMER, canonical_id, {"name": "Globex", "is_active": None}, 1, NOW)
    assert (created.event_type, created.data["is_active"]) == ("customer.created", True)
    party = Party(**created.data)
    assert update_party(PartyKind.CUSTOMER, party, {"name": "Globex"}, 2, NOW) is None
    renamed = update_party(PartyKind.CUSTOMER, party, {"name": "Globex Corp"}, 2, NOW)
    assert renamed is not None
    assert renamed.data["latest_inbound_id"] == 2


def test_outcomes_name_the_record_they_answer() -> None:
    accepted = AcceptedRecord.from_event(
        str(uuid.uuid4()),
        {"inbound_id": 4, "resource": "items", "canonical_type": "item", "canonical_id": str(uuid.uuid4()),
         "external_version": "1", "record": {}},
    )  # fmt: skip
    assert Outcome(9, "created").event_data(accepted)[0] == "inbound.record_applied"
    refused = Outcome.refused(ItemNameRequired("no name"))
    event_type, data = refused.event_data(accepted)
    assert (event_type, data["code"], data["inbound_id"]) == ("inbound.record_apply_failed", "item_name_required", 4)
