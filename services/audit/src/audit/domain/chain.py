"""The audit hash chain: every entry commits to the one before it.

Canonical encoding (documented in the service README, mirrored by the SQL
function `audit_row_hash`):

    row_hash = SHA-256( prev_hash || field(log_id) || field(event_id) || field(action_type)
                        || field(entity_type) || field(entity_id) || field(actor)
                        || field(warehouse_id) || field(device_id) || field(details)
                        || field(created_at) || field(recorded_at) )

    field(NULL)  = b"-:"
    field(value) = ascii(len(utf8(text))) || b":" || utf8(text)

where `text` is the decimal form of integers, the lower-case hyphenated form of
UUIDs, RFC 8785 canonical JSON for `details` (stored as that exact text), and
`YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC for timestamps. The length prefix makes
the encoding unambiguous (no separator can be forged inside a value), and
nothing depends on locale, time zone or JSON key order. Genesis prev_hash is
the single byte 0x00.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785

GENESIS_HASH = b"\x00"


@dataclass(frozen=True)
class AuditEntry:
    event_id: str
    action_type: str
    entity_type: str
    entity_id: str
    actor: str
    warehouse_id: int | None
    device_id: str | None
    details: dict[str, Any]
    created_at: datetime

    @property
    def canonical_details(self) -> str:
        return rfc8785.dumps(self.details).decode("utf-8")


@dataclass(frozen=True)
class ChainedEntry:
    log_id: int
    entry: AuditEntry
    recorded_at: datetime
    prev_hash: bytes
    row_hash: bytes


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _field(text: str | None) -> bytes:
    if text is None:
        return b"-:"
    encoded = text.encode("utf-8")
    return str(len(encoded)).encode("ascii") + b":" + encoded


def row_hash(prev_hash: bytes, log_id: int, entry: AuditEntry, recorded_at: datetime) -> bytes:
    digest = hashlib.sha256(prev_hash)
    for text in (
        str(log_id),
        entry.event_id,
        entry.action_type,
        entry.entity_type,
        entry.entity_id,
        entry.actor,
        None if entry.warehouse_id is None else str(entry.warehouse_id),
        entry.device_id,
        entry.canonical_details,
        format_timestamp(entry.created_at),
        format_timestamp(recorded_at),
    ):
        digest.update(_field(text))
    return digest.digest()


def extend_chain(
    last_log_id: int, last_hash: bytes, entries: list[AuditEntry], recorded_at: datetime
) -> list[ChainedEntry]:
    """Link entries after the chain head, in order."""
    chained = []
    prev = last_hash
    for offset, entry in enumerate(entries, start=1):
        log_id = last_log_id + offset
        current = row_hash(prev, log_id, entry, recorded_at)
        chained.append(ChainedEntry(log_id, entry, recorded_at, prev, current))
        prev = current
    return chained
