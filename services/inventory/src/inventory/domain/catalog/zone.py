"""Zones group bins inside a warehouse; the type is descriptive only (no rule reads it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from canonical.errors import Conflict, DomainError
from inventory.domain.catalog.changes import changed, state_of
from inventory.domain.events import DomainEvent

ZONE_TYPES = ("RECEIVING", "STORAGE", "PICKING", "STAGING", "SHIPPING")
MAX_ZONE_CODE_LENGTH = 32
MAX_ZONE_NAME_LENGTH = 128


class DuplicateZoneCode(DomainError):
    code = "duplicate_zone_code"

    def __init__(self, zone_code: str) -> None:
        super().__init__(
            f"Zone code {zone_code!r} is already used in this warehouse.", legacy_error="Duplicate zone_code"
        )


class ZoneHasBins(Conflict):
    code = "zone_has_bins"

    def __init__(self, bins: int) -> None:
        super().__init__(f"Cannot delete zone: {bins} bin(s) still reference it. Reassign or delete those bins first.")


class InvalidZone(DomainError):
    code = "invalid_zone"


@dataclass(frozen=True)
class Zone:
    zone_id: int
    warehouse_id: int
    zone_code: str
    zone_name: str
    zone_type: str
    is_active: bool = True


def _checked(zone: Zone) -> Zone:
    if zone.zone_type not in ZONE_TYPES:
        raise InvalidZone(f"zone_type must be one of {', '.join(ZONE_TYPES)}.")
    if not zone.zone_code.strip() or not zone.zone_name.strip():
        raise InvalidZone("zone_code and zone_name must not be blank.")
    return zone


def create_zone(zone: Zone, *, code_taken: bool) -> DomainEvent:
    if code_taken:
        raise DuplicateZoneCode(zone.zone_code)
    return DomainEvent("zone.created", state_of(_checked(zone)))


def update_zone(zone: Zone, changes: Mapping[str, Any], *, code_taken: bool) -> DomainEvent:
    updated = _checked(changed(zone, changes))
    if code_taken and updated.zone_code != zone.zone_code:
        raise DuplicateZoneCode(updated.zone_code)
    return DomainEvent("zone.updated", state_of(updated))


def delete_zone(zone: Zone, *, bins: int) -> DomainEvent:
    if bins:
        raise ZoneHasBins(bins)
    return DomainEvent("zone.deleted", {"zone_id": zone.zone_id, "warehouse_id": zone.warehouse_id})


def zone_stream(zone_id: int) -> str:
    return f"zone-{zone_id}"
