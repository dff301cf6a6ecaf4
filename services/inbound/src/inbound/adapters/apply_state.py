"""Whether inventory applied each accepted record: written by the outcome consumer, read by the API.

Marking outcomes also NOTIFYs `inbound_applied` with `<inbound id>:<state>` for
each, in the same statement, so a request waiting on any replica wakes when it
commits and knows how it went without reading the record again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from canonical.db import Connection

APPLIED_CHANNEL = "inbound_applied"


@dataclass(frozen=True)
class ApplyOutcome:
    inbound_id: int
    state: str  # applied | rejected
    action: str | None = None
    error_code: str | None = None
    error_message: str | None = None


async def mark_outcomes(connection: Connection, outcomes: Sequence[ApplyOutcome]) -> None:
    """The first outcome of a record wins (a record is applied once: a later one is a redelivery);
    one UPDATE and one NOTIFY statement per consumer batch, whatever its size."""
    if not outcomes:
        return
    await connection.execute(
        "WITH marked AS (UPDATE inbound_records r SET apply_state = o.state, apply_action = o.action,"
        " apply_error_code = o.code, apply_error_message = o.message, applied_at = clock_timestamp()"
        " FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])"
        " AS o(id, state, action, code, message)"
        " WHERE r.inbound_id = o.id AND r.apply_state = 'pending' RETURNING r.inbound_id, r.apply_state)"
        " SELECT pg_notify($6, inbound_id || ':' || apply_state) FROM marked",
        [o.inbound_id for o in outcomes],
        [o.state for o in outcomes],
        [o.action for o in outcomes],
        [o.error_code for o in outcomes],
        [o.error_message for o in outcomes],
        APPLIED_CHANNEL,
    )


@dataclass(frozen=True)
class RecordStatus:
    inbound_id: int
    resource: str
    source_system: str
    external_id: str
    external_version: str
    canonical_type: str
    canonical_id: UUID
    status: str  # applied | superseded (which version is current)
    apply_state: str  # pending | applied | rejected (what the owning service made of it)
    apply_action: str | None
    apply_error_code: str | None
    apply_error_message: str | None
    received_at: datetime
    applied_at: datetime | None

    def public(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "inbound_id": self.inbound_id,
            "resource": self.resource,
            "external_id": self.external_id,
            "external_version": self.external_version,
            "canonical_type": self.canonical_type,
            "canonical_id": str(self.canonical_id),
            "status": self.status,
            "apply_state": self.apply_state,
            "received_at": self.received_at.isoformat(),
            "applied_at": None if self.applied_at is None else self.applied_at.isoformat(),
        }
        if self.apply_action is not None:
            body["apply_action"] = self.apply_action
        if self.apply_error_code is not None:
            body["apply_error"] = {"code": self.apply_error_code, "message": self.apply_error_message}
        return body


async def record_status(pool: asyncpg.Pool | Connection, inbound_id: int) -> RecordStatus | None:
    row = await pool.fetchrow(
        "SELECT inbound_id, resource, source_system, external_id, external_version, canonical_type, canonical_id,"
        " status, apply_state, apply_action, apply_error_code, apply_error_message, received_at, applied_at"
        " FROM inbound_records WHERE inbound_id = $1",
        inbound_id,
    )
    return None if row is None else RecordStatus(**dict(row))
