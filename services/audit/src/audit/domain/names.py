"""The names the query API shows beside ids, learnt from the events themselves.

The audit service reads no other service's database: an event that carries
an entity's name (`sku`, `bin_code`, ...) teaches it, keyed by the entity type
and id the log records for that event (its subject, `<aggregate>-<id>`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from audit.domain.chain import AuditEntry

# Fields of an event's data that name its entity, most specific first: what
# v1.7 showed as entity_name (ITEM -> sku, SO -> so_number, PO -> po_number,
# BIN -> bin_code), and the same idea for the other master data.
_NAME_FIELDS = ("sku", "so_number", "po_number", "bin_code", "warehouse_code", "zone_code", "username", "item_name")

# v1.7 shows ids inside `details` as names (integration-security §5.6: bin_id -> bin code, item_id -> SKU,
# so_id -> SO number, po_id -> PO number, under the key without `_id`). The id kinds, with the entity
# type and subject prefix under which the log learnt their names.
_ID_KINDS = {
    "bin": ("BIN", "bin"),
    "item": ("ITEM", "item"),
    "so": ("SO", "sales_order"),
    "po": ("PO", "purchase_order"),
}
# `bin_id`, `from_bin_id`, `default_bin_id`, ... but not `po_line_id` or `receipt_ids`.
_ID_KEY = re.compile(r"(?:.*_)?(bin|item|so|po)_id")

EntityKey = tuple[str, str]  # (entity_type, entity_id) as audit_entity_names keys them


@dataclass(frozen=True)
class EntityName:
    entity_type: str
    entity_id: str
    name: str


def entity_name_in(entry: AuditEntry, data: dict[str, Any]) -> EntityName | None:
    """The human name an event gives its entity, if it carries one."""
    for field in _NAME_FIELDS:
        value = data.get(field)
        if isinstance(value, str) and value:
            return EntityName(entry.entity_type, entry.entity_id, value)
    return None


def warehouse_code_in(data: dict[str, Any]) -> tuple[int, str] | None:
    """Events that describe a warehouse teach the log its code, shown beside warehouse_id."""
    warehouse_id, code = data.get("warehouse_id"), data.get("warehouse_code")
    if isinstance(warehouse_id, int) and isinstance(code, str) and code:
        return warehouse_id, code
    return None


def _id_reference(key: str, value: Any) -> EntityKey | None:
    if type(value) is not int or (match := _ID_KEY.fullmatch(key)) is None:  # type(): a bool is no id
        return None
    entity_type, prefix = _ID_KINDS[match.group(1)]
    return entity_type, f"{prefix}-{value}"


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def referenced_entities(details: Any) -> set[EntityKey]:
    """The entities whose ids appear in an entry's details (at any depth, e.g. in order lines)."""
    return {ref for key, value in _walk(details) if (ref := _id_reference(key, value)) is not None}


def with_names(details: Any, names: Mapping[EntityKey, str]) -> Any:
    """A copy of details where each id with a known name is replaced by it (`bin_id: 5` -> `bin: "A-01"`).

    Display only: the stored (and hashed) details never change. An id whose name the log never
    learnt stays as it is, and so does one whose name key is already taken in its object.
    """
    if isinstance(details, list):
        return [with_names(item, names) for item in details]
    if not isinstance(details, dict):
        return details
    result: dict[str, Any] = {}
    for key, value in details.items():
        reference = _id_reference(key, value)
        name = names.get(reference) if reference is not None else None
        name_key = key[: -len("_id")]
        if name is not None and name_key not in details:
            result[name_key] = name
        else:
            result[key] = with_names(value, names)
    return result
