"""Request body conventions shared by every endpoint (v1.7 validation rules)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, model_validator


class Body(BaseModel):
    """Unknown keys are refused, except `warehouse_id`, which v1.7 tolerates on every body."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _tolerate_warehouse_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and "warehouse_id" in data and "warehouse_id" not in cls.model_fields:
            return {k: v for k, v in data.items() if k != "warehouse_id"}
        return data


class PatchBody(Body):
    """A partial update: every field optional, but an explicit null only where the field may be empty."""

    NOT_NULL: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_nulls(self) -> Self:
        nulls = sorted(f for f in self.model_fields_set & self.NOT_NULL if getattr(self, f) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} must not be null")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"warehouse_id"})


def iso_dates(values: Mapping[str, Any]) -> dict[str, Any]:
    """A checked body's dates as ISO strings, the form commands and events carry them in."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
