"""Warehouses: the top of the location hierarchy and the unit of access scoping."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from canonical.errors import Conflict, DomainError
from inventory.domain.catalog.changes import changed, state_of
from inventory.domain.events import DomainEvent

MAX_CODE_LENGTH = 32
MAX_NAME_LENGTH = 256
MAX_ADDRESS_LENGTH = 512


class DuplicateWarehouseCode(DomainError):
    # v1.7 answers 400 on create (409 only on update); kept for existing clients.
    status = 400
    code = "duplicate_warehouse_code"

    def __init__(self, warehouse_code: str) -> None:
        super().__init__(f"Warehouse code {warehouse_code!r} is already used.", legacy_error="Duplicate warehouse_code")


class WarehouseCodeInUse(DuplicateWarehouseCode):
    status = 409


class UnknownWarehouse(Conflict):
    code = "unknown_warehouse"

    def __init__(self, warehouse_id: int) -> None:
        super().__init__(f"Warehouse {warehouse_id} does not exist.")


class InvalidWarehouse(DomainError):
    code = "invalid_warehouse"


class WarehouseNotEmpty(DomainError):
    code = "warehouse_not_empty"


@dataclass(frozen=True)
class CreateWarehouse:
    warehouse_code: str
    warehouse_name: str
    address: str | None = None


@dataclass(frozen=True)
class Warehouse:
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    address: str | None
    is_active: bool
    created_at: str


def _checked(warehouse: Warehouse) -> Warehouse:
    code = warehouse.warehouse_code.strip()
    name = warehouse.warehouse_name.strip()
    if not 1 <= len(code) <= MAX_CODE_LENGTH:
        raise InvalidWarehouse(f"warehouse_code must be 1 to {MAX_CODE_LENGTH} characters.")
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise InvalidWarehouse(f"warehouse_name must be 1 to {MAX_NAME_LENGTH} characters.")
    if warehouse.address is not None and len(warehouse.address) > MAX_ADDRESS_LENGTH:
        raise InvalidWarehouse(f"address must be at most {MAX_ADDRESS_LENGTH} characters.")
    return Warehouse(warehouse.warehouse_id, code, name, warehouse.address, warehouse.is_active, warehouse.created_at)


def create_warehouse(command: CreateWarehouse, warehouse_id: int, now: datetime) -> DomainEvent:
    warehouse = _checked(
        Warehouse(warehouse_id, command.warehouse_code, command.warehouse_name, command.address, True, now.isoformat())
    )
    return DomainEvent("warehouse.created", state_of(warehouse))


def update_warehouse(warehouse: Warehouse, changes: Mapping[str, Any], code_taken: bool) -> DomainEvent:
    updated = _checked(changed(warehouse, changes))
    if code_taken and updated.warehouse_code != warehouse.warehouse_code:
        raise WarehouseCodeInUse(updated.warehouse_code)
    return DomainEvent("warehouse.updated", state_of(updated))


def delete_warehouse(warehouse: Warehouse, *, units: int, bins: int, zones: int) -> DomainEvent:
    """A hard delete, allowed only once nothing lives in the warehouse (v1.7 checks stock, bins, then zones)."""
    if units:
        raise WarehouseNotEmpty(f"Cannot delete warehouse: it still holds {units} unit(s) of stock.")
    if bins:
        raise WarehouseNotEmpty(f"Cannot delete warehouse: it still has {bins} bin(s).")
    if zones:
        raise WarehouseNotEmpty(f"Cannot delete warehouse: it still has {zones} zone(s).")
    return DomainEvent("warehouse.deleted", {"warehouse_id": warehouse.warehouse_id})


def warehouse_stream(warehouse_id: int) -> str:
    return f"warehouse-{warehouse_id}"
