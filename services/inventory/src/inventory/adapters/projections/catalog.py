"""Catalog read models: warehouses, zones, bins, items, preferred bins, settings.

Catalog events carry the full state after the change, so `*.created` and
`*.updated` are the same upsert and a rebuild needs no history per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from canonical.db import Connection
from canonical.errors import Conflict
from canonical.events.envelope import CloudEvent


@dataclass(frozen=True)
class _Table:
    name: str
    key: str
    columns: tuple[str, ...]
    timestamps: tuple[str, ...] = ()

    def upsert_sql(self) -> str:
        names = ", ".join(self.columns)
        values = ", ".join(f"${i}" for i in range(1, len(self.columns) + 1))
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in self.columns if c != self.key)
        return f"INSERT INTO {self.name} ({names}) VALUES ({values}) ON CONFLICT ({self.key}) DO UPDATE SET {updates}"  # noqa: S608

    def values(self, data: dict[str, Any]) -> list[Any]:
        return [datetime.fromisoformat(data[c]) if c in self.timestamps else data[c] for c in self.columns]


_WAREHOUSES = _Table(
    "warehouses",
    "warehouse_id",
    ("warehouse_id", "warehouse_code", "warehouse_name", "address", "is_active", "created_at"),
    timestamps=("created_at",),
)
_ZONES = _Table("zones", "zone_id", ("zone_id", "warehouse_id", "zone_code", "zone_name", "zone_type", "is_active"))
_BINS = _Table(
    "bins",
    "bin_id",
    (
        "bin_id", "external_id", "warehouse_id", "zone_id", "bin_code", "bin_barcode", "bin_type", "aisle", "row_num",
        "level_num", "position_num", "pick_sequence", "putaway_sequence", "description", "is_active",
    ),
)  # fmt: skip
_ITEMS = _Table(
    "items",
    "item_id",
    (
        "item_id", "external_id", "sku", "item_name", "description", "upc", "barcode_aliases", "category",
        "weight_lbs", "length_in", "width_in", "height_in", "default_bin_id", "reorder_point", "reorder_qty",
        "is_lot_tracked", "is_serial_tracked", "is_active", "created_at", "updated_at",
    ),
    timestamps=("created_at", "updated_at"),
)  # fmt: skip
_PREFERRED_BINS = _Table(
    "preferred_bins", "preferred_bin_id", ("preferred_bin_id", "item_id", "bin_id", "priority", "notes")
)

_UPSERTS = {
    "warehouse.created": _WAREHOUSES,
    "warehouse.updated": _WAREHOUSES,
    "zone.created": _ZONES,
    "zone.updated": _ZONES,
    "bin.created": _BINS,
    "bin.updated": _BINS,
    "item.created": _ITEMS,
    "item.updated": _ITEMS,
    "preferred_bin.saved": _PREFERRED_BINS,
}
# Settings of a deleted warehouse go with it (its overrides mean nothing any more).
_DELETES: dict[str, tuple[str, ...]] = {
    "warehouse.deleted": (
        "DELETE FROM settings WHERE warehouse_id = $1",
        "DELETE FROM warehouses WHERE warehouse_id = $1",
    ),
    "zone.deleted": ("DELETE FROM zones WHERE zone_id = $1",),
    "bin.deleted": ("DELETE FROM bins WHERE bin_id = $1",),
    "item.deleted": ("DELETE FROM items WHERE item_id = $1",),
    "preferred_bin.removed": ("DELETE FROM preferred_bins WHERE preferred_bin_id = $1",),
}
_DELETE_KEYS = {
    "warehouse.deleted": "warehouse_id",
    "zone.deleted": "zone_id",
    "bin.deleted": "bin_id",
    "item.deleted": "item_id",
    "preferred_bin.removed": "preferred_bin_id",
}


async def _apply_settings(connection: Connection, data: dict[str, Any]) -> None:
    updated_at = datetime.fromisoformat(data["updated_at"])
    await connection.executemany(
        "INSERT INTO settings (warehouse_id, key, value, updated_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT ON CONSTRAINT settings_scope_key DO UPDATE SET value = EXCLUDED.value,"
        " updated_at = EXCLUDED.updated_at",
        [(data["warehouse_id"], key, value, updated_at) for key, value in data["settings"].items()],
    )


async def _project(connection: Connection, event: CloudEvent) -> None:
    table = _UPSERTS.get(event.type)
    if table is not None:
        await connection.execute(table.upsert_sql(), *table.values(event.data))
    elif event.type in _DELETES:
        for statement in _DELETES[event.type]:
            await connection.execute(statement, event.data[_DELETE_KEYS[event.type]])
    elif event.type == "settings.updated":
        await _apply_settings(connection, event.data)


async def apply_catalog_event(connection: Connection, event: CloudEvent) -> None:
    try:
        await _project(connection, event)
    except asyncpg.IntegrityConstraintViolationError as error:
        # Handlers check these rules under a lock first; this only reports a rule they missed (v1.7 shape).
        raise Conflict(
            f"The change violates {error.constraint_name}.",
            legacy_error="integrity_constraint_violation",
            constraint=error.constraint_name,
        ) from None
