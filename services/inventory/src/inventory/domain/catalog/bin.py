"""Bins: where stock lives. The type decides what allocation may take and what waits for put-away."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from canonical.errors import Conflict, DomainError
from inventory.domain.catalog.changes import changed, state_of
from inventory.domain.catalog.zone import Zone
from inventory.domain.events import DomainEvent

BIN_TYPES = ("Staging", "PickableStaging", "Pickable")
# Staging holds received stock until it is put away; the other two may be picked from.
AWAITING_PUT_AWAY_TYPES = frozenset({"Staging"})
ALLOCATABLE_TYPES = frozenset({"PickableStaging", "Pickable"})
MAX_BIN_CODE_LENGTH = 64
MAX_BIN_BARCODE_LENGTH = 128
MAX_AISLE_LENGTH = 32


class DuplicateBinCode(DomainError):
    code = "duplicate_bin_code"

    def __init__(self, bin_code: str) -> None:
        super().__init__(f"Bin code {bin_code!r} is already used in this warehouse.", legacy_error="Duplicate bin_code")


class BinCodeInUse(DuplicateBinCode):
    status = 409


class InvalidBin(DomainError):
    code = "invalid_bin"


class UnknownZone(Conflict):
    code = "unknown_zone"

    def __init__(self, zone_id: int) -> None:
        super().__init__(f"Zone {zone_id} does not exist.")


class BinInUse(Conflict):
    code = "bin_in_use"


@dataclass(frozen=True)
class Bin:
    bin_id: int
    external_id: str
    warehouse_id: int
    zone_id: int
    bin_code: str
    bin_barcode: str
    bin_type: str = "Pickable"
    aisle: str | None = None
    row_num: int | None = None
    level_num: int | None = None
    position_num: int | None = None
    pick_sequence: int = 0
    putaway_sequence: int = 0
    description: str | None = None
    is_active: bool = True

    @property
    def awaits_put_away(self) -> bool:
        return self.bin_type in AWAITING_PUT_AWAY_TYPES

    @property
    def allocatable(self) -> bool:
        return self.bin_type in ALLOCATABLE_TYPES

    def matches_scan(self, scanned: str) -> bool:
        return scanned in (self.bin_barcode, self.bin_code)


def _checked(bin_: Bin, zone: Zone | None) -> Bin:
    if zone is None:
        raise UnknownZone(bin_.zone_id)
    if zone.warehouse_id != bin_.warehouse_id:
        raise InvalidBin(f"Zone {zone.zone_id} is not in warehouse {bin_.warehouse_id}.")
    if bin_.bin_type not in BIN_TYPES:
        raise InvalidBin(f"bin_type must be one of {', '.join(BIN_TYPES)}.")
    if not bin_.bin_code.strip() or not bin_.bin_barcode.strip():
        raise InvalidBin("bin_code and bin_barcode must not be blank.")
    numbers = (bin_.row_num, bin_.level_num, bin_.position_num, bin_.pick_sequence, bin_.putaway_sequence)
    if any(n is not None and n < 0 for n in numbers):
        raise InvalidBin("row, level, position and sequences must be integers >= 0.")
    return bin_


def create_bin(bin_: Bin, zone: Zone | None, *, code_taken: bool) -> DomainEvent:
    if code_taken:
        raise DuplicateBinCode(bin_.bin_code)
    return DomainEvent("bin.created", state_of(_checked(bin_, zone)))


def update_bin(bin_: Bin, changes: Mapping[str, Any], zone: Zone | None, *, code_taken: bool) -> DomainEvent:
    """`zone` is the zone the updated bin points at (the same one unless `zone_id` changes)."""
    updated = _checked(changed(bin_, changes), zone)
    if updated.warehouse_id != bin_.warehouse_id:
        raise InvalidBin("A bin cannot move to another warehouse; create a new bin there.")
    if code_taken and updated.bin_code != bin_.bin_code:
        raise BinCodeInUse(updated.bin_code)
    return DomainEvent("bin.updated", state_of(updated))


def delete_bin(bin_: Bin, *, units: int, preferred_for: int) -> DomainEvent:
    if units:
        raise BinInUse(f"Cannot delete bin: it still holds {units} unit(s) of stock.")
    if preferred_for:
        raise BinInUse(f"Cannot delete bin: it is the preferred bin of {preferred_for} item(s).")
    return DomainEvent("bin.deleted", {"bin_id": bin_.bin_id, "warehouse_id": bin_.warehouse_id})


def bin_stream(bin_id: int) -> str:
    return f"bin-{bin_id}"
