"""CloudEvents 1.0 envelope, structured JSON mode, with Sentry's extensions.

Extensions: `sequence` (the aggregate version that produced the event),
`correlationid` and `causationid` (request chain), `actor` and `warehouseid`.
Consumers tolerate attributes they do not know: a newer producer may add some.
`sequence` is a JSON integer (the CloudEvents sequence extension suggests a
string) so that consumers order an aggregate's events numerically.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
# Kafka header with the event's type beside the structured payload (the CloudEvents Kafka binding's name for
# the attribute); a receiver still reads the type from the payload, the header only lets it skip early.
TYPE_HEADER = "ce_type"


def utc_now() -> datetime:
    return datetime.now(UTC)


class CloudEvent(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()), min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    subject: str | None = None
    time: datetime = Field(default_factory=utc_now)
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    data: dict[str, Any]
    sequence: int | None = Field(default=None, ge=1)
    correlationid: str | None = None
    causationid: str | None = None
    actor: str | None = None
    warehouseid: int | None = None

    @field_serializer("time")
    def _time_in_utc(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")

    def to_json(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> CloudEvent:
        return cls.model_validate_json(raw)
