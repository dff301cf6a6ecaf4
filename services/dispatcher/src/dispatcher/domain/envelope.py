"""The v1.7 wire envelope (integration-security §4.2): what polling returns and the Sentry profile sends.

Poll and push carry the same document. `event_id` is the dispatcher's own
monotonic int64 for the event (assigned when it first consumed it), so a
client can page with `after=<event_id>` and deduplicate on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class WireEnvelope:
    event_id: int
    event_type: str
    event_version: int
    event_timestamp: datetime
    aggregate_type: str | None
    aggregate_id: str | None
    warehouse_id: int | None
    source_txn_id: str | None
    data: dict[str, Any]

    def to_document(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "event_version": self.event_version,
            # v1.7 sends Python's isoformat(): an offset such as +00:00, not Z.
            "event_timestamp": self.event_timestamp.isoformat(),
            "aggregate_type": self.aggregate_type,
            "aggregate_id": self.aggregate_id,
            "warehouse_id": self.warehouse_id,
            "source_txn_id": self.source_txn_id,
            "data": self.data,
        }

    def to_wire_bytes(self) -> bytes:
        """Serialised once, keys sorted recursively, compact separators: these bytes are signed and sent."""
        return serialise(self.to_document())


def serialise(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("utf-8")
