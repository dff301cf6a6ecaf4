"""Canonical id links, apply outcomes and parties, on the unit of work's connection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from uuid import UUID

from canonical.db import Connection
from inventory.domain.inbound.parties import Party, PartyKind
from inventory.domain.inbound.records import AcceptedRecord, Outcome

_PARTY_COLUMNS = ", ".join(f.name for f in fields(Party))
_PARTY_TABLES = {PartyKind.CUSTOMER: "customers", PartyKind.VENDOR: "vendors"}


class PostgresInboundRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def local_ids(self, canonical_type: str, canonical_ids: Sequence[UUID]) -> dict[UUID, int]:
        if not canonical_ids:
            return {}
        rows = await self._connection.fetch(
            "SELECT canonical_id, local_id FROM inbound_canonical_ids"
            " WHERE canonical_type = $1 AND canonical_id = ANY($2::uuid[])",
            canonical_type,
            list(canonical_ids),
        )
        return {r["canonical_id"]: int(r["local_id"]) for r in rows}

    async def link(self, canonical_type: str, canonical_id: UUID, local_id: int) -> None:
        """The local record a canonical id became; its first link stays (a sales order's updates link again)."""
        await self._connection.execute(
            "INSERT INTO inbound_canonical_ids (canonical_type, canonical_id, local_id) VALUES ($1, $2, $3)"
            " ON CONFLICT (canonical_type, canonical_id) DO NOTHING",
            canonical_type,
            canonical_id,
            local_id,
        )

    async def items_by_sku(self, skus: Sequence[str]) -> dict[str, int]:
        if not skus:
            return {}
        rows = await self._connection.fetch("SELECT sku, item_id FROM items WHERE sku = ANY($1::text[])", list(skus))
        return {r["sku"]: int(r["item_id"]) for r in rows}

    async def party(self, kind: PartyKind, canonical_id: UUID) -> Party | None:
        row = await self._connection.fetchrow(
            f"SELECT {_PARTY_COLUMNS} FROM {_PARTY_TABLES[kind]} WHERE canonical_id = $1",  # noqa: S608 (fixed names)
            canonical_id,
        )
        if row is None:
            return None
        values = dict(row)
        values["canonical_id"] = str(values["canonical_id"])
        values["created_at"] = values["created_at"].isoformat()
        values["updated_at"] = values["updated_at"].isoformat()
        return Party(**values)

    async def record_outcomes(self, outcomes: Sequence[tuple[AcceptedRecord, Outcome]]) -> None:
        await self._connection.executemany(
            "INSERT INTO inbound_applications (event_id, inbound_id, resource, canonical_type, canonical_id,"
            " external_version, outcome, action, local_id, error_code, error_message)"
            " VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            [
                (
                    accepted.event_id,
                    accepted.inbound_id,
                    accepted.resource,
                    accepted.canonical_type,
                    accepted.canonical_id,
                    accepted.external_version,
                    "applied" if outcome.applied else "rejected",
                    outcome.action,
                    outcome.local_id,
                    outcome.error_code,
                    outcome.error_message,
                )
                for accepted, outcome in outcomes
            ],
        )
