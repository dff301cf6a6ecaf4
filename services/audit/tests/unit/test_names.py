"""Ids inside details shown as names (v1.7, integration-security §5.6), from names the log learnt."""

from typing import Any

from audit.domain.names import referenced_entities, with_names

DETAILS: dict[str, Any] = {
    "event_type": "transfer.recorded",
    "data": {
        "item_id": 5,
        "from_bin_id": 4,
        "to_bin_id": 6,
        "so_id": 9,
        "po_line_id": 3,  # a PO line, not a PO
        "quantity": 2,
        "lines": [{"item_id": 5, "bin_id": 4}, {"item_id": 8}],
        "bin_id": True,  # not an id
        "po_id": "12",  # nor is text
    },
}
NAMES = {("ITEM", "item-5"): "SKU-5", ("BIN", "bin-4"): "A-01-01", ("SO", "sales_order-9"): "SO-0009"}


def test_the_ids_a_detail_refers_to_are_found_at_any_depth() -> None:
    assert referenced_entities(DETAILS) == {
        ("ITEM", "item-5"),
        ("BIN", "bin-4"),
        ("BIN", "bin-6"),
        ("SO", "sales_order-9"),
        ("ITEM", "item-8"),
    }


def test_known_ids_become_names_under_the_key_without_id() -> None:
    shown = with_names(DETAILS, NAMES)
    assert shown["data"] == {
        "item": "SKU-5",
        "from_bin": "A-01-01",
        "to_bin_id": 6,  # no event named bin 6
        "so": "SO-0009",
        "po_line_id": 3,
        "quantity": 2,
        "lines": [{"item": "SKU-5", "bin": "A-01-01"}, {"item_id": 8}],
        "bin_id": True,
        "po_id": "12",
    }
    assert DETAILS["data"]["item_id"] == 5  # the stored details are left alone


def test_a_name_never_overwrites_a_key_the_details_already_have() -> None:
    assert with_names({"item_id": 5, "item": "kept"}, NAMES) == {"item_id": 5, "item": "kept"}
