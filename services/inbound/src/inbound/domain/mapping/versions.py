"""Which of two external versions of a record is newer, per the source's declared strategy.

Each mapping document declares how its source numbers versions. An incoming
version older than the applied one is refused (stale); a newer one supersedes.
A value the strategy cannot parse falls back to plain string comparison, as
Sentry v1.7 does, so a malformed version is still ordered, never a crash.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class VersionCompare(StrEnum):
    ISO_TIMESTAMP = "iso_timestamp"
    INTEGER = "integer"
    LEXICOGRAPHIC = "lexicographic"


def _as_timestamp(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None  # naive and aware cannot be ordered together


def _as_integer(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def is_newer(strategy: VersionCompare, candidate: str, current: str) -> bool:
    """True when `candidate` is strictly newer than `current`."""
    if strategy is VersionCompare.ISO_TIMESTAMP:
        left, right = _as_timestamp(candidate), _as_timestamp(current)
        if left is not None and right is not None:
            return left > right
    elif strategy is VersionCompare.INTEGER:
        left_int, right_int = _as_integer(candidate), _as_integer(current)
        if left_int is not None and right_int is not None:
            return left_int > right_int
    return candidate > current
