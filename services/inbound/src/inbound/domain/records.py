"""Whether an incoming version of an external record is accepted, replayed or refused as stale.

Idempotency is on (source system, resource, external id, external version):
the same version again answers with what was stored the first time, whatever
its payload (a retried request must not change anything). An older version
arriving after a newer one is refused; a newer one supersedes the applied one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from inbound.domain.mapping.errors import InboundError
from inbound.domain.mapping.versions import VersionCompare, is_newer


@dataclass(frozen=True)
class StoredRecord:
    inbound_id: int
    external_version: str
    canonical_type: str
    canonical_id: UUID
    received_at: datetime


@dataclass(frozen=True)
class KeyState:
    """What is stored for one external record key when a version of it arrives."""

    same_version: StoredRecord | None
    applied: StoredRecord | None
    next_id: int  # the inbound id the incoming version takes if it is accepted


@dataclass(frozen=True)
class Replay:
    record: StoredRecord


@dataclass(frozen=True)
class Accept:
    supersedes: StoredRecord | None


class StaleVersion(InboundError):
    status = 409
    code = "stale_version"

    def __init__(self, incoming: str, current: StoredRecord) -> None:
        super().__init__(
            f"Version {incoming!r} is older than the applied version {current.external_version!r}.",
            current_version=current.external_version,
            current_received_at=current.received_at.isoformat(),
        )


class FeatureNotAvailable(InboundError):
    status = 403
    code = "feature_not_available_in_v1_7_0"


class MappingDocumentNotLoaded(InboundError):
    status = 503
    code = "mapping_document_not_loaded"


def decide(
    strategy: VersionCompare, incoming_version: str, same_version: StoredRecord | None, applied: StoredRecord | None
) -> Replay | Accept:
    if same_version is not None:
        return Replay(same_version)
    if applied is not None and is_newer(strategy, applied.external_version, incoming_version):
        raise StaleVersion(incoming_version, applied)
    return Accept(supersedes=applied)


def refuse_overrides(mapping_overrides: Any) -> None:
    """Reserved for a later version: any value is refused, whatever the token allows."""
    if mapping_overrides is not None:
        raise FeatureNotAvailable("mapping_overrides is not available in this version.")
