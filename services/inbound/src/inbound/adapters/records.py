"""Staged inbound records and cross-system id mappings, on the unit of work's transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import asyncpg

from canonical.db import Connection
from inbound.domain.mapping.apply import LookupKey
from inbound.domain.records import KeyState, StoredRecord


def _stored(row: asyncpg.Record | None) -> StoredRecord | None:
    if row is None:
        return None
    return StoredRecord(
        row["inbound_id"], row["external_version"], row["canonical_type"], row["canonical_id"], row["received_at"]
    )


class InboundRecords:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def key_state(self, source_system: str, resource: str, external_id: str, external_version: str) -> KeyState:
        """What the decision needs, in one round trip: the same version if stored, the applied one, and the
        inbound id a new record would take (drawn even on a replay: the sequence may have gaps)."""
        rows = await self._connection.fetch(
            "SELECT n.next_id, f.inbound_id, f.external_version, f.canonical_type, f.canonical_id, f.received_at,"
            " f.status FROM (SELECT nextval('inbound_records_inbound_id_seq') AS next_id) n"
            " LEFT JOIN LATERAL (SELECT * FROM inbound_records WHERE source_system = $1 AND resource = $2"
            " AND external_id = $3 AND (external_version = $4 OR status = 'applied')) f ON true",
            source_system,
            resource,
            external_id,
            external_version,
        )
        found = [(row, _stored(row)) for row in rows if row["inbound_id"] is not None]
        return KeyState(
            same_version=next((s for _, s in found if s and s.external_version == external_version), None),
            applied=next((s for row, s in found if row["status"] == "applied"), None),
            next_id=int(rows[0]["next_id"]),
        )

    async def supersede(self, inbound_id: int) -> None:
        await self._connection.execute(
            "UPDATE inbound_records SET status = 'superseded', superseded_at = clock_timestamp() WHERE inbound_id = $1",
            inbound_id,
        )

    async def insert(
        self,
        *,
        inbound_id: int,
        resource: str,
        source_system: str,
        external_id: str,
        external_version: str,
        canonical_type: str,
        canonical_id: UUID,
        canonical_payload: dict[str, Any],
        source_payload: dict[str, Any],
        received_via: str,
        event_id: str,
    ) -> StoredRecord:
        row = await self._connection.fetchrow(
            "INSERT INTO inbound_records (inbound_id, resource, source_system, external_id, external_version,"
            " canonical_type, canonical_id, canonical_payload, source_payload, received_via, event_id)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9::text::jsonb, $10, $11::uuid)"
            " RETURNING inbound_id, external_version, canonical_type, canonical_id, received_at",
            inbound_id,
            resource,
            source_system,
            external_id,
            external_version,
            canonical_type,
            canonical_id,
            json.dumps(canonical_payload),
            json.dumps(source_payload),
            received_via,
            event_id,
        )
        stored = _stored(row)
        assert stored is not None  # INSERT ... RETURNING always returns the row
        return stored


class CrossSystemMappings:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def resolve(self, keys: Iterable[LookupKey]) -> dict[LookupKey, str]:
        wanted = list(keys)
        if not wanted:
            return {}
        rows = await self._connection.fetch(
            "SELECT source_system, source_type, source_id, canonical_id FROM cross_system_mappings"
            " WHERE (source_system, source_type, source_id) IN"
            " (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))",
            [k.source_system for k in wanted],
            [k.source_type for k in wanted],
            [k.source_id for k in wanted],
        )
        return {LookupKey(r["source_system"], r["source_type"], r["source_id"]): str(r["canonical_id"]) for r in rows}

    async def claim(self, source_system: str, canonical_type: str, external_id: str, new_id: UUID) -> tuple[UUID, bool]:
        """(the external id's canonical id, whether this is its first receipt): `new_id` on first receipt."""
        row = await self._connection.fetchrow(
            "INSERT INTO cross_system_mappings (source_system, source_type, source_id, canonical_type, canonical_id)"
            " VALUES ($1, $2, $3, $2, $4)"
            " ON CONFLICT ON CONSTRAINT cross_system_mappings_key DO UPDATE SET last_updated_at = clock_timestamp()"
            " RETURNING canonical_id, xmax = 0 AS inserted",
            source_system,
            canonical_type,
            external_id,
            new_id,
        )
        assert row is not None  # an upsert with RETURNING always returns the row
        return row["canonical_id"], bool(row["inserted"])


class SourceSystems:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def add(self, name: str, kind: str, notes: str | None) -> bool:
        """False when the name is already allow-listed."""
        inserted = await self._connection.fetchval(
            "INSERT INTO inbound_source_systems (source_system, kind, notes) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING RETURNING 1",
            name,
            kind,
            notes,
        )
        return inserted is not None

    async def has_history(self, name: str) -> bool:
        return bool(
            await self._connection.fetchval(
                "SELECT EXISTS (SELECT 1 FROM inbound_records WHERE source_system = $1)"
                " OR EXISTS (SELECT 1 FROM cross_system_mappings WHERE source_system = $1)",
                name,
            )
        )

    async def remove(self, name: str) -> bool:
        """False when the name was not allow-listed."""
        removed = await self._connection.fetchval(
            "DELETE FROM inbound_source_systems WHERE source_system = $1 RETURNING 1", name
        )
        return removed is not None

    async def listing(self) -> list[dict[str, Any]]:
        rows = await self._connection.fetch(
            "SELECT source_system, kind, notes, created_at FROM inbound_source_systems ORDER BY source_system"
        )
        return [{**dict(r), "created_at": r["created_at"].isoformat()} for r in rows]

    async def names(self) -> set[str]:
        return {
            r["source_system"] for r in await self._connection.fetch("SELECT source_system FROM inbound_source_systems")
        }
