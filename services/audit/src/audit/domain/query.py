"""What an audit-log query may ask for (v1.7's filters, sorting and paging, plus entity and warehouse)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum

from audit.domain.errors import InvalidDate
from canonical.pagination import Page


class SortKey(Enum):
    created_at = "created_at"
    action_type = "action_type"
    user_id = "actor"
    entity_type = "entity_type"

    @classmethod
    def parse(cls, value: str | None) -> SortKey:
        """v1.7 sorts by created_at when asked for anything it does not know, rather than failing."""
        return cls.__members__.get(value or "", cls.created_at)


@dataclass(frozen=True)
class AuditQuery:
    action_type: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    warehouse_id: int | None = None
    start: datetime | None = None  # inclusive
    end_before: datetime | None = None  # exclusive
    sort: SortKey = SortKey.created_at
    ascending: bool = False
    page: Page = field(default_factory=Page)


def _utc(moment: datetime) -> datetime:
    """A moment without an offset is read as UTC, the log's own time zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def range_start(value: date | datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return _utc(value)
    return datetime.combine(value, time.min, tzinfo=UTC)


def range_end_exclusive(value: date | datetime | None) -> datetime | None:
    """An end date is inclusive (v1.7): a bare date includes its whole day; a moment includes itself."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _utc(value) + timedelta(microseconds=1)
    return datetime.combine(value + timedelta(days=1), time.min, tzinfo=UTC)


def parse_moment(parameter: str, text: str | None) -> date | datetime | None:
    """`2026-03-02` is a day (a whole day when it ends a range); anything longer is an ISO 8601 moment."""
    if text is None or text == "":
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise InvalidDate(
            f"{parameter} must be a date (YYYY-MM-DD) or an ISO 8601 date and time.", parameter=parameter
        ) from None
