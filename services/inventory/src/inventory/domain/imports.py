"""Bulk import (v1.7 H.5): turning CSV text or JSON records into typed rows, one verdict per row.

Everything here is pure: the CSV parser is the standard library's (quoted commas, quotes and
newlines inside cells), columns are matched by name with v1.7's synonyms, unknown columns are
ignored, and every cell is checked before any command sees it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from canonical.errors import DomainError

MAX_RECORDS = 5000
ENTITY_TYPES = ("items", "bins", "purchase-orders", "sales-orders")
# A cell a spreadsheet would evaluate must never reach one again through an export.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Column -> (canonical name, kind); the first column of a row that names a canonical field wins.
_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "items": {
        "sku": ("sku", "text"),
        "item_name": ("item_name", "text"),
        "name": ("item_name", "text"),
        "description": ("description", "text"),
        "upc": ("upc", "text"),
        "category": ("category", "text"),
        "weight_lbs": ("weight_lbs", "number"),
        "weight": ("weight_lbs", "number"),
        "default_bin": ("default_bin", "text"),
        "quantity": ("quantity", "integer"),
        "qty": ("quantity", "integer"),
    },
    "bins": {
        "bin_code": ("bin_code", "text"),
        "bin_barcode": ("bin_barcode", "text"),
        "zone": ("zone", "text"),
        "zone_id": ("zone_id", "integer"),
        "warehouse_id": ("warehouse_id", "integer"),
        "bin_type": ("bin_type", "text"),
        "aisle": ("aisle", "text"),
        "row_num": ("row_num", "integer"),
        "level_num": ("level_num", "integer"),
        "pick_sequence": ("pick_sequence", "integer"),
        "putaway_sequence": ("putaway_sequence", "integer"),
        "description": ("description", "text"),
    },
    "purchase-orders": {
        "po_number": ("po_number", "text"),
        "sku": ("sku", "text"),
        "quantity": ("quantity", "integer"),
        "quantity_expected": ("quantity", "integer"),
        "warehouse_id": ("warehouse_id", "integer"),
        "vendor": ("vendor_name", "text"),
        "vendor_name": ("vendor_name", "text"),
        "expected_date": ("expected_date", "date"),
    },
    "sales-orders": {
        "so_number": ("so_number", "text"),
        "sku": ("sku", "text"),
        "quantity": ("quantity", "integer"),
        "quantity_ordered": ("quantity", "integer"),
        "warehouse_id": ("warehouse_id", "integer"),
        "customer": ("customer_name", "text"),
        "customer_name": ("customer_name", "text"),
        "customer_phone": ("customer_phone", "text"),
        "customer_address": ("customer_address", "text"),
    },
}
_REQUIRED = {
    "items": ("sku", "item_name"),
    "bins": ("bin_code",),
    "purchase-orders": ("po_number", "sku", "quantity"),
    "sales-orders": ("so_number", "sku", "quantity"),
}
# The admin UI's templates (Imports.jsx), which are newer than v1.7's docs/templates.
TEMPLATES = {
    "items": "sku,name,description,category,upc,default_bin,weight,quantity",
    "bins": "bin_code,bin_barcode,zone,warehouse_id,aisle,bin_type,pick_sequence,putaway_sequence,description",
    "purchase-orders": "po_number,warehouse_id,vendor,sku,quantity,expected_date",
    "sales-orders": "so_number,warehouse_id,customer,customer_phone,customer_address,sku,quantity",
}


class InvalidImport(DomainError):
    code = "invalid_import"


class RowRejected(Exception):
    """One row is skipped and reported; the others go on."""


@dataclass(frozen=True)
class Row:
    row: int  # 1-based position in the records, as v1.7 reports it
    values: dict[str, Any]


@dataclass(frozen=True)
class RowError:
    row: int
    error: str


def check_entity_type(entity_type: str) -> str:
    if entity_type not in ENTITY_TYPES:
        raise InvalidImport(
            f"Unknown entity type {entity_type!r}; expected one of {', '.join(ENTITY_TYPES)}.",
            legacy_error=f"Invalid entity type: {entity_type}",
        )
    return entity_type


def parse_csv(text: str) -> list[dict[str, Any]]:
    """Header row, then one record per row; blank lines are skipped, short rows padded with ""."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader)
        rows = [row for row in reader if any(cell.strip() for cell in row)]
    except StopIteration:
        return []
    except csv.Error as error:
        raise InvalidImport(f"The CSV could not be read: {error}.") from None
    names = [name.strip() for name in header]
    return [dict(zip(names, [*row, *[""] * (len(names) - len(row))], strict=False)) for row in rows]


def check_records(records: Any) -> Sequence[Any]:
    if not isinstance(records, list) or not records:
        raise InvalidImport("No records to import.", legacy_error="No records provided")
    if len(records) > MAX_RECORDS:
        raise InvalidImport(
            f"At most {MAX_RECORDS} records per import ({len(records)} sent).",
            legacy_error=f"Too many records: maximum is {MAX_RECORDS}",
        )
    return records


def _cell(column: str, kind: str, value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "text":
        text = str(value)
        if text.startswith(FORMULA_PREFIXES):
            raise RowRejected(f"{column}: a value starting with {text[0]!r} looks like a spreadsheet formula")
        return text.strip()
    if isinstance(value, bool):
        raise RowRejected(f"{column} must be a number")
    try:
        if kind == "integer":
            number = float(value) if isinstance(value, str) else value
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            return int(number)
        if kind == "number":
            return float(value)
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError, OverflowError):
        expected = "a date (YYYY-MM-DD)" if kind == "date" else "a number"
        raise RowRejected(f"{column} must be {expected}") from None


def normalise(entity_type: str, record: Any) -> dict[str, Any]:
    """The record's known columns under their canonical names; empty cells are absent."""
    if not isinstance(record, Mapping):
        raise RowRejected("a record must be an object of column: value")
    columns = _COLUMNS[entity_type]
    values: dict[str, Any] = {}
    for raw_name, raw_value in record.items():
        known = columns.get(str(raw_name).strip().lower())
        if known is None:
            continue
        name, kind = known
        value = _cell(name, kind, raw_value)
        if value is not None and name not in values:
            values[name] = value
    missing = [name for name in _REQUIRED[entity_type] if name not in values]
    if missing:
        raise RowRejected(f"{', '.join(missing)} required")
    return values


def rows_of(entity_type: str, records: Sequence[Any]) -> tuple[list[Row], list[RowError]]:
    rows: list[Row] = []
    errors: list[RowError] = []
    for number, record in enumerate(records, start=1):
        try:
            rows.append(Row(number, normalise(entity_type, record)))
        except RowRejected as rejected:
            errors.append(RowError(number, str(rejected)))
    return rows, errors
