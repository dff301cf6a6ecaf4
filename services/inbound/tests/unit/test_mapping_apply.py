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
      - {canonical: ship_method, type: enum, source_path: "$.ship", enum_values: [GROUND, AIR], default: GROUND}
      - canonical: customer_id
        type: uuid
        source_path: "$.customer.id"
        required: true
        cross_system_lookup: {source_type: customer}
      - canonical: priority
        type: integer
        source_path: "$.priority"
        derived: {expression: "min(10, int(source.rush_level) * 2)", when_present: "$.rush_level"}
    line_items:
      source_path: "$.lines[*]"
      canonical_path: lines
      fields:
        - {canonical: sku, type: string, source_path: "$.sku", required: true}
        - {canonical: quantity_ordered, type: integer, source_path: "$.qty", default: 1}
        - canonical: item_id
          type: uuid
          source_path: "$.erp_item"
          cross_system_lookup: {source_type: item, source_system: erp}
"""
    )
)

PAYLOAD: dict[str, Any] = {
    "number": "SO-1",
    "customer": {"id": 42},
    "rush_level": "3",
    "lines": [{"sku": "A", "qty": 2, "erp_item": "I-9"}, {"sku": "B"}],
}
CUSTOMER = LookupKey("shop", "customer", "42")
ERP_ITEM = LookupKey("erp", "item", "I-9")
CUSTOMER_ID = "0b7e1c7e-6a53-4d0e-9a9e-3f6f3b9e2a11"
ITEM_ID = "5f0c2b9e-8f1a-4e0b-b1c6-7d2f0a9c3e44"


def test_lookups_are_listed_before_applying() -> None:
    assert lookups_needed(DOCUMENT, Resource.SALES_ORDERS, PAYLOAD) == {CUSTOMER, ERP_ITEM}


def test_a_payload_maps_to_its_validated_canonical_record() -> None:
    record = apply_mapping(DOCUMENT, Resource.SALES_ORDERS, PAYLOAD, {CUSTOMER: CUSTOMER_ID, ERP_ITEM: ITEM_ID})
    assert record.canonical_type == "sales_order"
    assert record.canonical_payload == {
        "so_number": "SO-1",
        "ship_method": "GROUND",
        "customer_id": CUSTOMER_ID,
        "priority": 6,
        "lines": [
            {"sku": "A", "quantity_ordered": 2, "item_id": ITEM_ID},
            {"sku": "B", "quantity_ordered": 1, "item_id": None},
        ],
    }
    assert record.field_set == ["customer_id", "lines", "priority", "ship_method", "so_number"]


def test_derived_falls_back_to_the_path_when_its_trigger_is_absent() -> None:
    payload = {**PAYLOAD, "priority": 4}
    del payload["rush_level"]
    record = apply_mapping(DOCUMENT, Resource.SALES_ORDERS, payload, {CUSTOMER: CUSTOMER_ID})
    assert record.canonical_payload["priority"] == 4


def test_a_missing_required_reference_is_a_409_naming_it_and_an_optional_one_is_null() -> None:
    with pytest.raises(CrossSystemLookupMiss) as missed:
        apply_mapping(DOCUMENT, Resource.SALES_ORDERS, PAYLOAD, {ERP_ITEM: ITEM_ID})
    assert missed.value.status == 409
    assert missed.value.body()["missing"] == {"source_system": "shop", "source_type": "customer", "source_id": "42"}
    record = apply_mapping(DOCUMENT, Resource.SALES_ORDERS, PAYLOAD, {CUSTOMER: CUSTOMER_ID})
    assert record.canonical_payload["lines"][0]["item_id"] is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"number": None}, "required path missing"),
        ({"ship": "SEA"}, "not one of"),
        ({"lines": [{"qty": 1}]}, "required path missing for 'sku'"),
        ({"rush_level": "soon"}, "failed"),
        ({"rush_level": "-3"}, "priority"),  # derived to -6: the canonical model refuses it
        ({"lines": [{"sku": "A", "qty": 0}]}, "quantity_ordered"),
    ],
)
def test_bad_payloads_are_422_mapping_errors(change: dict[str, Any], message: str) -> None:
    payload = {**PAYLOAD, **change}
    with pytest.raises(MappingApplyError, match=message) as refused:
        apply_mapping(DOCUMENT, Resource.SALES_ORDERS, payload, {CUSTOMER: CUSTOMER_ID})
    assert refused.value.status == 422
