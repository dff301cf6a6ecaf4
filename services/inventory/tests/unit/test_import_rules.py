"""Import parsing and row rules, without I/O."""

from datetime import date

import pytest

from inventory.domain.imports import InvalidImport, check_entity_type, check_records, parse_csv, rows_of


def test_the_csv_parser_keeps_quoted_commas_quotes_and_newlines() -> None:
    text = '\ufeffsku, name ,note\r\nA-1,"Fly, dry","two\nlines ""quoted"""\r\n,,\r\nB-2,Reel\r\n'
    assert parse_csv(text) == [
        {"sku": "A-1", "name": "Fly, dry", "note": 'two\nlines "quoted"'},
        {"sku": "B-2", "name": "Reel", "note": ""},
    ]
    assert parse_csv("") == []


def test_columns_use_v17_synonyms_and_unknown_ones_are_ignored() -> None:
    rows, errors = rows_of("items", [{"SKU": "A", "name": "Fly", "weight": "0.25", "qty": "3", "colour": "red"}])
    assert errors == []
    assert rows[0].values == {"sku": "A", "item_name": "Fly", "weight_lbs": 0.25, "quantity": 3}
    rows, _ = rows_of(
        "purchase-orders", [{"po_number": "P", "sku": "A", "quantity_expected": 2, "expected_date": "2026-03-01"}]
    )
    assert rows[0].values["quantity"] == 2
    assert rows[0].values["expected_date"] == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("record", "fragment"),
    [
        ({"sku": "A", "name": "=1+1"}, "formula"),
        ({"sku": "A", "name": "+CMD"}, "formula"),
        ({"sku": "A", "name": "-x"}, "formula"),
        ({"sku": "A", "name": "@SUM"}, "formula"),
        ({"sku": "A", "name": "\tx"}, "formula"),
        ({"sku": "A", "name": "x", "quantity": "ten"}, "number"),
        ({"sku": "A", "name": "x", "quantity": "1.5"}, "number"),
        ({"sku": "A", "name": "x", "quantity": True}, "number"),
        ({"sku": "A"}, "item_name required"),
        ({"sku": "  ", "name": "x"}, "sku required"),
        ("not an object", "object"),
    ],
)
def test_a_bad_row_is_reported_with_its_number(record: object, fragment: str) -> None:
    rows, errors = rows_of("items", [{"sku": "OK", "name": "fine"}, record])
    assert [r.row for r in rows] == [1]
    assert errors[0].row == 2
    assert fragment in errors[0].error


def test_a_negative_number_is_a_number_not_a_formula() -> None:
    rows, errors = rows_of("bins", [{"bin_code": "B", "zone": "PICK", "pick_sequence": "-1"}])
    assert errors == []
    assert rows[0].values["pick_sequence"] == -1  # the bin's own rules refuse it later, as a row error


def test_whole_request_refusals() -> None:
    with pytest.raises(InvalidImport):
        check_records([])
    with pytest.raises(InvalidImport):
        check_records({"sku": "A"})
    with pytest.raises(InvalidImport) as too_many:
        check_records([{}] * 5001)
    assert "5000" in too_many.value.legacy_error
    with pytest.raises(InvalidImport):
        check_entity_type("customers")
