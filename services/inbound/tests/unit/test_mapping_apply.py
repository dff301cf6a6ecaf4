from typing import Any

import pytest
import yaml

from inbound.domain.mapping.apply import LookupKey, apply_mapping, lookups_needed
from inbound.domain.mapping.document import MappingDocument, Resource
from inbound.domain.mapping.errors import CrossSystemLookupMiss, MappingApplyError

DOCUMENT = MappingDocument.model_validate(
    yaml.safe_load(
        """
mapping_version: "1"
source_system: shop
version_compare: integer
resources:
  sales_orders:
    canonical_type: sales_order
    fields:
      - {canonical: so_number, type: string, source_path: "$.number", required: true}
      - {canonical: priority, type: enum, source_path: "$.prio", enum_values: [LOW, HIGH], default: LOW}
      - canonical: customer_id
        type: uuid
        source_path: "$.customer.id"
        required: true
        cross_system_lookup: {source_type: customer}
      - canonical: bill_to_id
        type: uuid
        source_path: "$.billing.id"
        cross_system_lookup: {source_type: customer, source_system: erp}
      - canonical: total_cents
        type: integer
        source_path: "$.total_cents"
        derived: {expression: "round(float(source.total) * 100)", when_present: "$.total"}
      - {canonical: tags, type: string, source_path: "$.tags[*]"}
    line_items:
      source_path: "$.lines[*]"
      canonical_path: lines
      fields:
        - {canonical: sku, type: string, source_path: "$.sku", required: true}
        - {canonical: quantity, type: integer, source_path: "$.qty", default: 1}
"""
    )
)

PAYLOAD: dict[str, Any] = {
    "number": "SO-1",
    "customer": {"id": 42},
    "billing": {"id": "B-7"},
    "total": "19.99",
    "tags": ["rush", "gift"],
    "lines": [{"sku": "A", "qty": 2}, {"sku": "B"}],
}
CUSTOMER = LookupKey("shop", "customer", "42")
BILLING = LookupKey("erp", "customer", "B-7")


def test_lookups_are_listed_before_applying() -> None:
    assert lookups_needed(DOCUMENT, Resource.SALES_ORDERS, PAYLOAD) == {CUSTOMER, BILLING}


def test_a_payload_maps_to_its_canonical_record() -> None:
    found = {CUSTOMER: "c-uuid", BILLING: "b-uuid"}
    record = apply_mapping(DOCUMENT, Resource.SALES_ORDERS, PAYLOAD, found)
    assert record.canonical_payload == {
        "so_number": "SO-1",
        "priority": "LOW",
        "customer_id": "c-uuid",
        "bill_to_id": "b-uuid",
        "total_cents": 1999,
        "tags": ["rush", "gift"],
        "lines": [{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 1}],
    }
    assert "tags" not in record.row_fields
    assert "lines" not in record.row_fields


def test_derived_falls_back_to_the_path_when_its_trigger_is_absent() -> None:
    payload = {**PAYLOAD, "total_cents": 500}
    del payload["total"]
    record = apply_mapping(DOCUMENT, Resource.SALES_ORDERS, payload, {CUSTOMER: "c"})
    assert record.canonical_payload["total_cents"] == 500


def test_a_missing_required_reference_is_a_409_naming_it_and_an_optional_one_is_null() -> None:
    with pytest.raises(CrossSystemLookupMiss) as missed:
        apply_mapping(DOCUMENT, Resource.SALES_ORDERS, PAYLOAD, {BILLING: "b"})
    assert missed.value.status == 409
    assert missed.value.body()["missing"] == {"source_system": "shop", "source_type": "customer", "source_id": "42"}
    record = apply_mapping(DOCUMENT, Resource.SALES_ORDERS, PAYLOAD, {CUSTOMER: "c"})
    assert record.canonical_payload["bill_to_id"] is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"number": None}, "required path missing"),
        ({"prio": "URGENT"}, "not one of"),
        ({"lines": [{"qty": 1}]}, "required path missing for 'sku'"),
        ({"total": "n/a"}, "failed"),
    ],
)
def test_bad_payloads_are_422_mapping_errors(change: dict[str, Any], message: str) -> None:
    payload = {**PAYLOAD, **change}
    with pytest.raises(MappingApplyError, match=message) as refused:
        apply_mapping(DOCUMENT, Resource.SALES_ORDERS, payload, {CUSTOMER: "c"})
    assert refused.value.status == 422
