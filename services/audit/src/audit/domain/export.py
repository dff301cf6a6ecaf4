"""The export the offline verifier reads: JSON lines, one record a line.

- an entry is a JSON array of its stored texts in EXPORT_COLUMNS order
  (`[log_id, event_id, action_type, entity_type, entity_id, actor, warehouse_id,
  device_id, details, created_at, recorded_at, prev_hash, row_hash]`, hashes in
  lower-case hex): positional rather than keyed, because a million rows parse
  in a third of the time without the keys;
- a checkpoint is `{"checkpoint": {...}}` (SignedCheckpoint.to_json), listed
  right after the row it covers up to;
- `{"entry": {column: value}}`, the first export format, is still accepted, so
  exports saved before the change still verify.

Parsing is done a chunk of lines at a time (one json.loads per chunk rather
than per line); a chunk that does not parse as one value per line is parsed
again line by line, to name the first bad line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from audit.domain.chain import StoredEntry
from audit.domain.checkpoint import CheckpointError, SignedCheckpoint
from audit.domain.verification import Finding, LogVerifier, MalformedRow


class MalformedRecord(ValueError):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset  # of the line, in the chunk given to decode_lines


def entry_line(entry: StoredEntry) -> str:
    return json.dumps(entry.export_row(), separators=(",", ":")) + "\n"


def checkpoint_line(checkpoint: SignedCheckpoint) -> str:
    return json.dumps({"checkpoint": checkpoint.to_json()}, separators=(",", ":")) + "\n"


def decode_lines(lines: Sequence[bytes]) -> tuple[list[Any], Sequence[int], MalformedRecord | None]:
    """The records of a chunk of lines, the offset of each one's line (blank lines are skipped), and the
    first line that is not one JSON value, if any: the records before it are still to be verified first,
    so that the first problem in the file is the one reported."""
    try:
        chunk = json.loads(b"[" + b",".join(lines) + b"]")
        if len(chunk) == len(lines):
            return chunk, range(len(lines)), None
    except ValueError:
        pass  # a blank or bad line: find it below
    records: list[Any] = []
    offsets: list[int] = []
    for offset, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError as error:
            return records, offsets, MalformedRecord(offset, f"not JSON: {error}")
        offsets.append(offset)
    return records, offsets, None


def feed(verifier: LogVerifier, records: Sequence[Any]) -> Finding | None:
    """Give records to the verifier in order; returns its first finding, raises MalformedRecord (offset = index)."""
    # Entry rows go to the verifier in runs, between the few records of other kinds.
    others = [index for index, record in enumerate(records) if type(record) is not list]
    start = 0
    for stop in [*others, len(records)]:
        if start < stop:
            try:
                if (finding := verifier.add_rows(records[start:stop])) is not None:
                    return finding
            except MalformedRow as error:
                raise MalformedRecord(start + error.index, str(error)) from None
        if stop < len(records) and (finding := _feed_other(verifier, records[stop], stop)) is not None:
            return finding
        start = stop + 1
    return None


def _feed_other(verifier: LogVerifier, record: Any, index: int) -> Finding | None:
    try:
        if "checkpoint" in record:
            return verifier.add_checkpoint(SignedCheckpoint.from_json(record["checkpoint"]))
        return verifier.add(StoredEntry.from_json(record["entry"]))
    except (KeyError, TypeError, ValueError, CheckpointError) as error:
        # MalformedRow is a ValueError too: a legacy entry with text that is not Unicode.
        raise MalformedRecord(index, f"not an export record: {error}") from None
