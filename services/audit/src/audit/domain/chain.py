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
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


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


def stored_form(chained: ChainedEntry) -> StoredEntry:
    """The row as the database stores it and the export carries it."""
    entry = chained.entry
    return StoredEntry(
        log_id=chained.log_id,
        event_id=entry.event_id,
        action_type=entry.action_type,
        entity_type=entry.entity_type,
        entity_id=entry.entity_id,
        actor=entry.actor,
        warehouse_id=entry.warehouse_id,
        device_id=entry.device_id,
        details=entry.canonical_details,
        created_at=format_timestamp(entry.created_at),
        recorded_at=format_timestamp(chained.recorded_at),
        prev_hash=chained.prev_hash,
        row_hash=chained.row_hash,
    )


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    """Inverse of format_timestamp; refuses any other shape, so a stored text maps to one instant."""
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC)


# str.__len__ refuses anything but a str (len() would count a list's items), so a value of
# the wrong type can never shift a field boundary.
_text_length = str.__len__


def row_preimage(
    log_id: int,
    event_id: str,
    action_type: str,
    entity_type: str,
    entity_id: str,
    actor: str,
    warehouse_id: int | None,
    device_id: str | None,
    details: str,
    created_at: str,
    recorded_at: str,
) -> bytes:
    """The bytes hashed after prev_hash: every field as `<utf8 length>:<utf8 text>`, NULL as `-:`.

    The one implementation of the encoding (writer, verifiers and bench call it). This runs
    once per row when a million rows are verified, so the common case is one format call:
    when the whole text is ASCII, each field's length in characters is its length in bytes.
    Raises TypeError for a value of the wrong type, ValueError for text that is not Unicode.
    """
    log_text = str(log_id)
    warehouse = "-:" if warehouse_id is None else f"{len(w := str(warehouse_id))}:{w}"
    device = "-:" if device_id is None else f"{_text_length(device_id)}:{device_id}"
    text = (
        f"{len(log_text)}:{log_text}{_text_length(event_id)}:{event_id}{_text_length(action_type)}:{action_type}"
        f"{_text_length(entity_type)}:{entity_type}{_text_length(entity_id)}:{entity_id}"
        f"{_text_length(actor)}:{actor}{warehouse}{device}{_text_length(details)}:{details}"
        f"{_text_length(created_at)}:{created_at}{_text_length(recorded_at)}:{recorded_at}"
    )
    if text.isascii():
        return text.encode("ascii")
    texts = (
        log_text,
        event_id,
        action_type,
        entity_type,
        entity_id,
        actor,
        None if warehouse_id is None else str(warehouse_id),
        device_id,
        details,
        created_at,
        recorded_at,
    )
    parts = []
    for value in texts:
        if value is None:
            parts.append(b"-:")
        else:
            encoded = value.encode("utf-8")
            parts.append(b"%d:%b" % (len(encoded), encoded))
    return b"".join(parts)


def row_hash(prev_hash: bytes, log_id: int, entry: AuditEntry, recorded_at: datetime) -> bytes:
    return hashlib.sha256(
        prev_hash
        + row_preimage(
            log_id,
            entry.event_id,
            entry.action_type,
            entry.entity_type,
            entry.entity_id,
            entry.actor,
            entry.warehouse_id,
            entry.device_id,
            entry.canonical_details,
            format_timestamp(entry.created_at),
            format_timestamp(recorded_at),
        )
    ).digest()


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


# The columns of an exported row, in order (see StoredEntry.export_row).
EXPORT_COLUMNS = (
    "log_id",
    "event_id",
    "action_type",
    "entity_type",
    "entity_id",
    "actor",
    "warehouse_id",
    "device_id",
    "details",
    "created_at",
    "recorded_at",
    "prev_hash",
    "row_hash",
)


@dataclass(frozen=True)
class StoredEntry:
    """A row exactly as stored and exported: each hashed field in its canonical text form.

    Verifying a stored row hashes these texts as they are, never a re-encoding
    of them, so an export can be checked byte for byte without the database.
    """

    log_id: int
    event_id: str
    action_type: str
    entity_type: str
    entity_id: str
    actor: str
    warehouse_id: int | None
    device_id: str | None
    details: str
    created_at: str
    recorded_at: str
    prev_hash: bytes
    row_hash: bytes

    def hashed_fields(self) -> tuple[int, str, str, str, str, str, int | None, str | None, str, str, str]:
        """The fields row_preimage encodes, in EXPORT_COLUMNS order."""
        return (
            self.log_id,
            self.event_id,
            self.action_type,
            self.entity_type,
            self.entity_id,
            self.actor,
            self.warehouse_id,
            self.device_id,
            self.details,
            self.created_at,
            self.recorded_at,
        )

    def computed_hash(self) -> bytes:
        return hashlib.sha256(self.prev_hash + row_preimage(*self.hashed_fields())).digest()

    def export_row(self) -> list[Any]:
        """The row as one JSON array in EXPORT_COLUMNS order, hashes in lower-case hex."""
        return [*self.hashed_fields(), self.prev_hash.hex(), self.row_hash.hex()]

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> StoredEntry:
        """An entry of the first export format (`{"entry": {column: value}}`), still accepted.

        Raises KeyError, TypeError or ValueError on a malformed document.
        """
        warehouse = document["warehouse_id"]
        device = document["device_id"]
        return cls(
            log_id=int(document["log_id"]),
            event_id=str(document["event_id"]),
            action_type=str(document["action_type"]),
            entity_type=str(document["entity_type"]),
            entity_id=str(document["entity_id"]),
            actor=str(document["actor"]),
            warehouse_id=None if warehouse is None else int(warehouse),
            device_id=None if device is None else str(device),
            details=str(document["details"]),
            created_at=str(document["created_at"]),
            recorded_at=str(document["recorded_at"]),
            prev_hash=bytes.fromhex(document["prev_hash"]),
            row_hash=bytes.fromhex(document["row_hash"]),
        )
