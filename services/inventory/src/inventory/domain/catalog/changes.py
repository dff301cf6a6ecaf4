"""Partial updates of master-data records: the one rule every catalog update shares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import Field, asdict, replace
from typing import Any, ClassVar, Protocol, TypeVar

from canonical.errors import DomainError


class NothingToUpdate(DomainError):
    code = "no_fields_to_update"

    def __init__(self) -> None:
        super().__init__("The request names no field to update.", legacy_error="No fields to update")


class _Record(Protocol):
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]


R = TypeVar("R", bound=_Record)


def changed(record: R, changes: Mapping[str, Any]) -> R:
    """The record with `changes` applied; an empty update is refused (v1.7 answers 400)."""
    if not changes:
        raise NothingToUpdate()
    return replace(record, **changes)


def state_of(record: _Record) -> dict[str, Any]:
    """Catalog events carry the full state after the change, so a consumer never needs the history."""
    state = asdict(record)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in state.items()}
