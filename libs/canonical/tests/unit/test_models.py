from decimal import Decimal

import pytest
from pydantic import ValidationError

from canonical.models import (
    CANONICAL_MODELS,
    CanonicalItem,
    CanonicalPurchaseOrder,
    CanonicalRecord,
    CanonicalSalesOrder,
)


def test_the_five_canonical_types_are_registered() -> None:
    assert set(CANONICAL_MODELS) == {"item", "customer", "vendor", "sales_order", "purchase_order"}


def test_a_partial_record_keeps_only_what_was_given() -> None:
    item = CanonicalItem.model_validate({"sku": "A-1", "weight_lbs": "1.5"})
    assert item.weight_lbs == Decimal("1.5")
    assert item.model_dump(exclude_unset=True) == {"sku": "A-1", "weight_lbs": Decimal("1.5")}


@pytest.mark.parametrize(
    ("model", "record"),
    [
        (CanonicalItem, {"item_name": "no sku"}),
        (CanonicalItem, {"sku": "A", "weight_lbs": -1}),
        (CanonicalItem, {"sku": "A", "colour": "red"}),
        (CanonicalSalesOrder, {"so_number": "SO-1", "priority": 11}),
        (CanonicalSalesOrder, {"so_number": "SO-1", "customer_id": "not-a-uuid"}),
        (CanonicalPurchaseOrder, {"po_number": "PO-1", "lines": [{"sku": "A", "quantity_ordered": 0}]}),
    ],
)
def test_records_outside_the_model_are_refused(model: type[CanonicalRecord], record: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(record)
