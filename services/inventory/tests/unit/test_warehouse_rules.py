from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Self

import pytest

from canonical.events.factory import CommandContext
from inventory.domain.catalog.warehouse import (
    CreateWarehouse,
    DuplicateWarehouseCode,
    InvalidWarehouse,
    create_warehouse,
)
from inventory.domain.events import DomainEvent
from inventory.service_layer.catalog.warehouses import handle_create_warehouse

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


class FakeWarehouses:
    def __init__(self, codes: set[str]) -> None:
        self.codes = codes

    async def next_id(self) -> int:
        return len(self.codes) + 1

    async def code_taken(self, warehouse_code: str) -> bool:
        return warehouse_code in self.codes


class FakeUnitOfWork:
    def __init__(self, codes: set[str]) -> None:
        self.warehouses = FakeWarehouses(codes)
        self.recorded: list[tuple[str, int, Sequence[DomainEvent]]] = []
        self.committed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self.committed = exc_info[0] is None

    async def record(
        self, stream_id: str, expected_version: int, events: Sequence[DomainEvent], context: CommandContext
    ) -> Sequence[object]:
        self.recorded.append((stream_id, expected_version, events))
        return events


async def test_the_handler_records_a_new_stream() -> None:
    uow = FakeUnitOfWork(set())
    created = await handle_create_warehouse(CreateWarehouse("WH1", "Main"), uow, CONTEXT)
    assert created["warehouse_id"] == 1
    assert [(stream, version) for stream, version, _ in uow.recorded] == [("warehouse-1", 0)]
    assert uow.committed


async def test_a_taken_code_is_refused_without_recording_anything() -> None:
    uow = FakeUnitOfWork({"WH1"})
    with pytest.raises(DuplicateWarehouseCode) as refused:
        await handle_create_warehouse(CreateWarehouse(" WH1", "Other"), uow, CONTEXT)
    assert refused.value.legacy_error == "Duplicate warehouse_code"
    assert uow.recorded == []
    assert not uow.committed
