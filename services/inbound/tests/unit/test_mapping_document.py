from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from inbound.domain.mapping.document import CanonicalType, MappingDocument, Resource

VALID = """
mapping_version: "3"
source_system: shop-eu
version_compare: integer
resources:
  items:
    canonical_type: item
    fields:
      - {canonical: sku, type: string, source_path: "$.sku", required: true}
      - {canonical: weight_lbs, type: decimal, derived: {expression: "float(source.grams) / 453.6"}}
      - {canonical: category, type: enum, source_path: "$.kind", enum_values: [TOOLS, PARTS], default: PARTS}
  sales_orders:
    canonical_type: sales_order
    fields:
      - canonical: customer_id
        type: uuid
        source_path: "$.customer.id"
        cross_system_lookup: {source_type: customer}
    line_items:
      source_path: "$.lines[*]"
      canonical_path: lines
      fields:
        - {canonical: quantity_ordered, type: integer, source_path: "$.qty", required: true}
"""


def document(text: str = VALID, **changes: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(text)
    loaded.update(changes)
    return loaded


def test_a_complete_document_loads() -> None:
    mapping = MappingDocument.model_validate(document())
    assert mapping.resources[Resource.ITEMS].fields[0].required is True
    assert mapping.resources[Resource.SALES_ORDERS].canonical_type is CanonicalType.SALES_ORDER


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        ({"mapping_version": 1.0}, "mapping_version"),
        ({"version_compare": "semver"}, "version_compare"),
        ({"unexpected": True}, "unexpected"),
        ({"resources": {"widgets": {"canonical_type": "item", "fields": []}}}, "widgets"),
        (
            {
                "resources": {
                    "items": {
                        "canonical_type": "vendor",
                        "fields": [{"canonical": "name", "type": "string", "source_path": "$.sku"}],
                    }
                }
            },
            "must map to canonical_type item",
        ),
    ],
)
def test_document_level_mistakes_fail_at_load(mutation: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        MappingDocument.model_validate(document(**mutation))


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ({"canonical": "sku", "type": "string", "source_path": "$.sku", "required": "true"}, "required"),
        ({"canonical": "sku", "type": "string"}, "needs a source_path"),
        ({"canonical": "category", "type": "enum", "source_path": "$.k"}, "needs enum_values"),
        ({"canonical": "sku", "type": "text", "source_path": "$.sku"}, "type"),
        ({"canonical": "sku", "type": "string", "derived": {"expression": "__import__('os')"}}, "refused"),
        (
            {"canonical": "id", "type": "uuid", "cross_system_lookup": {"source_type": "customer"}, "default": "x"},
            "no source_path",
        ),
        ({"canonical": "Bad Name", "type": "string", "source_path": "$.a"}, "canonical"),
    ],
)
def test_field_mistakes_fail_at_load(field: dict[str, Any], message: str) -> None:
    broken = document(resources={"items": {"canonical_type": "item", "fields": [field]}})
    with pytest.raises(ValidationError, match=message):
        MappingDocument.model_validate(broken)


def test_line_items_belong_to_orders_and_use_line_fields() -> None:
    on_item = document(
        resources={
            "items": {
                "canonical_type": "item",
                "fields": [{"canonical": "sku", "type": "string", "source_path": "$.sku"}],
                "line_items": {
                    "source_path": "$.l[*]",
                    "canonical_path": "lines",
                    "fields": [{"canonical": "sku", "type": "string", "source_path": "$.s"}],
                },
            }
        }
    )
    with pytest.raises(ValidationError, match="line items go under 'lines' of an order"):
        MappingDocument.model_validate(on_item)
    bad_line = document(
        resources={
            "purchase_orders": {
                "canonical_type": "purchase_order",
                "fields": [{"canonical": "po_number", "type": "string", "source_path": "$.n"}],
                "line_items": {
                    "source_path": "$.l[*]",
                    "canonical_path": "lines",
                    "fields": [{"canonical": "qty", "type": "integer", "source_path": "$.q"}],
                },
            }
        }
    )
    with pytest.raises(ValidationError, match="order lines have no field 'qty'"):
        MappingDocument.model_validate(bad_line)
