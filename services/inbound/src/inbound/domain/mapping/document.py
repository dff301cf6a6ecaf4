"""The mapping document model: strict, so a typo fails at boot rather than on the first POST.

Every level forbids unknown keys and coerces nothing (`required: "true"` or an
unquoted `mapping_version: 1.0` are errors). Pydantic is used here as a pure
validation library: the model does no I/O; loading files is the adapter's job.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from canonical.models import CANONICAL_MODELS, LINE_MODEL
from inbound.domain.mapping.expressions import expression_problems
from inbound.domain.mapping.versions import VersionCompare

LINES_FIELD = "lines"


class Resource(StrEnum):
    SALES_ORDERS = "sales_orders"
    ITEMS = "items"
    CUSTOMERS = "customers"
    VENDORS = "vendors"
    PURCHASE_ORDERS = "purchase_orders"

    @property
    def canonical_type(self) -> CanonicalType:
        return CanonicalType(self.value.removesuffix("s"))


class CanonicalType(StrEnum):
    SALES_ORDER = "sales_order"
    ITEM = "item"
    CUSTOMER = "customer"
    VENDOR = "vendor"
    PURCHASE_ORDER = "purchase_order"


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    UUID = "uuid"
    ISO_TIMESTAMP = "iso_timestamp"
    ENUM = "enum"


class _Strict(BaseModel):
    # Lax mode only so enum names can come from YAML strings; strings never accept numbers in
    # pydantic v2 and booleans are StrictBool, so `required: "true"` and `mapping_version: 1.0` fail.
    model_config = ConfigDict(extra="forbid", frozen=True)


class CrossSystemLookup(_Strict):
    source_type: CanonicalType
    source_system: str | None = None


class Derived(_Strict):
    expression: str = Field(min_length=1)
    when_present: str | None = None

    @model_validator(mode="after")
    def _expression_is_whitelisted(self) -> Self:
        problems = expression_problems(self.expression)
        if problems:
            raise ValueError(f"derived expression {self.expression!r} refused: {'; '.join(problems)}")
        return self


class FieldMapping(_Strict):
    canonical: str = Field(min_length=1, pattern=r"^[a-z_][a-z0-9_]*$")
    type: FieldType
    source_path: str | None = None
    required: StrictBool = False
    cross_system_lookup: CrossSystemLookup | None = None
    derived: Derived | None = None
    default: Any = None
    enum_values: list[str] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.source_path is None and self.derived is None and self.default is None:
            raise ValueError(f"field {self.canonical!r} needs a source_path, a derived expression or a default")
        if self.type is FieldType.ENUM and not self.enum_values:
            raise ValueError(f"enum field {self.canonical!r} needs enum_values")
        if self.cross_system_lookup is not None and self.source_path is None:
            raise ValueError(f"field {self.canonical!r} has a cross_system_lookup but no source_path")
        return self


class LineItemMapping(_Strict):
    source_path: str = Field(min_length=1)
    canonical_path: str = Field(min_length=1)
    fields: list[FieldMapping] = Field(min_length=1)


class ResourceMapping(_Strict):
    canonical_type: CanonicalType
    fields: list[FieldMapping] = Field(min_length=1)
    line_items: LineItemMapping | None = None

    @model_validator(mode="after")
    def _fields_exist_in_the_canonical_model(self) -> Self:
        # A typo in `canonical:` fails at boot, naming the field, instead of on the first POST.
        model = CANONICAL_MODELS[self.canonical_type.value]
        problems = [
            f"{self.canonical_type.value} has no field {f.canonical!r}"
            for f in self.fields
            if f.canonical not in model.model_fields or f.canonical == LINES_FIELD
        ]
        if self.line_items is not None:
            if LINES_FIELD not in model.model_fields or self.line_items.canonical_path != LINES_FIELD:
                problems.append(f"{self.canonical_type.value} line items go under {LINES_FIELD!r} of an order")
            problems += [
                f"order lines have no field {f.canonical!r}"
                for f in self.line_items.fields
                if f.canonical not in LINE_MODEL.model_fields
            ]
        if problems:
            raise ValueError("; ".join(problems))
        return self


class MappingDocument(_Strict):
    mapping_version: str = Field(min_length=1)
    source_system: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    version_compare: VersionCompare
    resources: dict[Resource, ResourceMapping]

    @model_validator(mode="after")
    def _resource_keys_match_their_types(self) -> Self:
        for resource, mapping in self.resources.items():
            if mapping.canonical_type is not resource.canonical_type:
                raise ValueError(
                    f"resource {resource.value} must map to canonical_type {resource.canonical_type.value}, "
                    f"not {mapping.canonical_type.value}"
                )
        return self
