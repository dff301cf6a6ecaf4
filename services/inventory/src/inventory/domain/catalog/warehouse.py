"""Warehouses: the top of the location hierarchy and the unit of access scoping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from canonical.errors import DomainError
from inventory.domain.events import DomainEvent

MAX_CODE_LENGTH = 32
MAX_NAME_LENGTH = 256
MAX_ADDRESS_LENGTH = 512


class DuplicateWarehouseCode(DomainError):
    # v1.7 answers 400 here (409 only on update); kept for existing clients.
    status = 400
    code = "duplicate_warehouse_code"

    def __init__(self, warehouse_code: str) -> None:
        super().__init__(f"Warehouse code {warehouse_code!r} is already used.", legacy_error="Duplicate warehouse_code")


class InvalidWarehouse(DomainError):
    code = "invalid_warehouse"


@dataclass(frozen=True)
class CreateWarehouse:
    warehouse_code: str
    warehouse_name: str
    address: str | None = None


def create_warehouse(command: CreateWarehouse, warehouse_id: int, now: datetime) -> DomainEvent:
    code = command.warehouse_code.strip()
    name = command.warehouse_name.strip()
    if not 1 <= len(code) <= MAX_CODE_LENGTH:
        raise InvalidWarehouse(f"warehouse_code must be 1 to {MAX_CODE_LENGTH} characters.")
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise InvalidWarehouse(f"warehouse_name must be 1 to {MAX_NAME_LENGTH} characters.")
    if command.address is not None and len(command.address) > MAX_ADDRESS_LENGTH:
        raise InvalidWarehouse(f"address must be at most {MAX_ADDRESS_LENGTH} characters.")
    return DomainEvent(
        "warehouse.created",
        {
            "warehouse_id": warehouse_id,
            "warehouse_code": code,
            "warehouse_name": name,
            "address": command.address,
            "is_active": True,
            "created_at": now.isoformat(),
        },
    )


def warehouse_stream(warehouse_id: int) -> str:
    return f"warehouse-{warehouse_id}"
