"""Read models of customers and vendors (the `customer-*` and `vendor-*` streams): one upsert each."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

from canonical.db import Connection
from canonical.events.envelope import CloudEvent
from inventory.domain.inbound.parties import Party

_COLUMNS = [f.name for f in fields(Party)]
_TABLES = {
    "customer.created": "customers",
    "customer.updated": "customers",
    "vendor.created": "vendors",
    "vendor.updated": "vendors",
}
PARTY_TABLES = ("customers", "vendors")


def _upsert(table: str) -> str:
    names = ", ".join(_COLUMNS)
    values = ", ".join(f"${i}" for i in range(1, len(_COLUMNS) + 1))
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c != "canonical_id")
    return f"INSERT INTO {table} ({names}) VALUES ({values}) ON CONFLICT (canonical_id) DO UPDATE SET {updates}"  # noqa: S608


_UPSERTS = {event_type: _upsert(table) for event_type, table in _TABLES.items()}


async def apply_party_event(connection: Connection, event: CloudEvent) -> None:
    statement = _UPSERTS.get(event.type)
    if statement is None:
        return
    data = event.data
    values = [datetime.fromisoformat(data[c]) if c in ("created_at", "updated_at") else data[c] for c in _COLUMNS]
    await connection.execute(statement, *values)
