from datetime import UTC, datetime

import pytest

from canonical.events.factory import CommandContext
from inventory.domain.catalog.warehouse import (
    CreateWarehouse,
    DuplicateWarehouseCode,
    InvalidWarehouse,
    Warehouse,
    create_warehouse,
)
from inventory.service_layer.catalog.warehouses import handle_create_warehouse

from .fakes import FakeUnitOfWork

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CONTEXT = CommandContext(request_id="r-1", actor="admin")


def test_a_new_warehouse_is_active_with_trimmed_code_and_name() -> None:
    event = create_warehouse(CreateWarehouse(" WH1 ", " Main "), 7, NOW)
    assert event.event_type == "warehouse.created"
    assert event.data == {
        "warehouse_id": 7,
        "warehouse_code": "WH1",
        "warehouse_name": "Main",
        "address": None,
        "is_active": True,
        "created_at": NOW.isoformat(),
    }


@pytest.mark.parametrize(
    "command",
    [
        CreateWarehouse("   ", "Main"),
        CreateWarehouse("X" * 33, "Main"),
        CreateWarehouse("WH", ""),
        CreateWarehouse("WH", "Main", "a" * 513),
    ],
)
def test_out_of_range_fields_are_refused(command: CreateWarehouse) -> None:
    with pytest.raises(InvalidWarehouse):
        create_warehouse(command, 1, NOW)


async def test_the_handler_records_a_new_stream() -> None:
    uow = FakeUnitOfWork()
    created = await handle_create_warehouse(CreateWarehouse("WH1", "Main"), uow, CONTEXT)
    assert created["warehouse_id"] == 1
    assert [(stream, version) for stream, version, _ in uow.recorded] == [("warehouse-1", 0)]
    assert uow.committed


async def test_a_taken_code_is_refused_without_recording_anything() -> None:
    uow = FakeUnitOfWork()
    uow.catalog.warehouses[1] = Warehouse(1, "WH1", "Main", None, True, NOW.isoformat())
    with pytest.raises(DuplicateWarehouseCode) as refused:
        await handle_create_warehouse(CreateWarehouse(" WH1", "Other"), uow, CONTEXT)
    assert refused.value.legacy_error == "Duplicate warehouse_code"
    assert uow.recorded == []
    assert not uow.committed
