"""In-memory unit of work for handler tests: the catalog state is a few dicts, updated from the recorded events."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Self

from canonical.events.factory import CommandContext
from canonical.eventstore.unit_of_work import Recorded
from inventory.domain.catalog.bin import Bin
from inventory.domain.catalog.item import IdentifiersTaken, Item
from inventory.domain.catalog.preferred_bin import PreferredBin
from inventory.domain.catalog.settings import WarehouseSettings
from inventory.domain.catalog.warehouse import Warehouse
from inventory.domain.catalog.zone import Zone
from inventory.domain.events import DomainEvent
from inventory.domain.receiving.purchase_order import PurchaseOrder
from inventory.domain.receiving.receipt import Receipt
from inventory.domain.stock.ledger import Position


class FakeCatalog:
    def __init__(self) -> None:
        self.warehouses: dict[int, Warehouse] = {}
        self.zones: dict[int, Zone] = {}
        self.bins: dict[int, Bin] = {}
        self.items: dict[int, Item] = {}
        self.preferred: dict[int, PreferredBin] = {}
        self.setting_values: dict[str, str] = {}
        self._ids: dict[str, int] = {}

    async def next_id(self, sequence: str) -> int:
        self._ids[sequence] = self._ids.get(sequence, 0) + 1
        return self._ids[sequence]

    async def next_ids(self, sequence: str, how_many: int) -> list[int]:
        return [await self.next_id(sequence) for _ in range(how_many)]

    async def warehouse(self, warehouse_id: int) -> Warehouse | None:
        return self.warehouses.get(warehouse_id)

    async def zone(self, zone_id: int) -> Zone | None:
        return self.zones.get(zone_id)

    async def bin(self, bin_id: int) -> Bin | None:
        return self.bins.get(bin_id)

    async def bins_by_id(self, *bin_ids: int) -> dict[int, Bin]:
        return {b: self.bins[b] for b in bin_ids if b in self.bins}

    async def item(self, item_id: int) -> Item | None:
        return self.items.get(item_id)

    async def items_by_id(self, *item_ids: int) -> dict[int, Item]:
        return {i: self.items[i] for i in item_ids if i in self.items}

    async def preferred_bin(self, preferred_bin_id: int) -> PreferredBin | None:
        return self.preferred.get(preferred_bin_id)

    async def preferred_bin_id_for(self, item_id: int, bin_id: int) -> int | None:
        matches = (p.preferred_bin_id for p in self.preferred.values() if (p.item_id, p.bin_id) == (item_id, bin_id))
        return next(matches, None)

    async def warehouse_code_taken(self, warehouse_code: str) -> bool:
        return any(w.warehouse_code == warehouse_code for w in self.warehouses.values())

    async def zone_code_taken(self, warehouse_id: int, zone_code: str) -> bool:
        return any((z.warehouse_id, z.zone_code) == (warehouse_id, zone_code) for z in self.zones.values())

    async def bin_code_taken(self, warehouse_id: int, bin_code: str) -> bool:
        return any((b.warehouse_id, b.bin_code) == (warehouse_id, bin_code) for b in self.bins.values())

    async def sku_taken(self, sku: str) -> bool:
        return any(i.sku == sku for i in self.items.values())

    async def identifiers_taken(self, sku: str, upc: str | None) -> IdentifiersTaken:
        held = self.items.values()
        return IdentifiersTaken(
            sku=any(i.sku == sku for i in held), upc=upc is not None and any(i.upc == upc for i in held)
        )

    async def zone_count(self, warehouse_id: int) -> int:
        return sum(z.warehouse_id == warehouse_id for z in self.zones.values())

    async def bins_in_warehouse(self, warehouse_id: int) -> int:
        return sum(b.warehouse_id == warehouse_id for b in self.bins.values())

    async def bins_in_zone(self, zone_id: int) -> int:
        return sum(b.zone_id == zone_id for b in self.bins.values())

    async def items_preferring(self, bin_id: int) -> int:
        return sum(p.bin_id == bin_id for p in self.preferred.values())

    async def sales_lines_naming(self, item_id: int) -> int:
        return 0

    async def preferred_bins_of(self, item_id: int) -> list[PreferredBin]:
        return [p for p in self.preferred.values() if p.item_id == item_id]

    async def settings(self, warehouse_id: int | None) -> WarehouseSettings:
        return WarehouseSettings(self.setting_values)


class FakeReceiving:
    def __init__(self) -> None:
        self.orders: dict[int, PurchaseOrder] = {}
        self.receipts: dict[int, Receipt] = {}

    async def purchase_order(self, po_id: int) -> PurchaseOrder | None:
        return self.orders.get(po_id)

    async def po_number_taken(self, po_number: str) -> bool:
        return any(po.po_number == po_number for po in self.orders.values())

    async def lines_naming(self, item_id: int) -> int:
        return sum(line.item_id == item_id for po in self.orders.values() for line in po.lines)

    async def receipt(self, receipt_id: int) -> Receipt | None:
        return self.receipts.get(receipt_id)


class FakeStock:
    def __init__(self) -> None:
        self.positions: dict[tuple[int, int, str | None], Position] = {}

    async def position(self, bin_id: int, item_id: int, lot_number: str | None) -> Position | None:
        return self.positions.get((bin_id, item_id, lot_number))

    async def units_in_warehouse(self, warehouse_id: int) -> int:
        return sum(p.on_hand for p in self.positions.values() if p.warehouse_id == warehouse_id)

    async def units_in_bin(self, bin_id: int) -> int:
        return sum(p.on_hand for p in self.positions.values() if p.bin_id == bin_id)

    async def units_of_item(self, item_id: int) -> int:
        return sum(p.on_hand for p in self.positions.values() if p.item_id == item_id)


class FakeUnitOfWork:
    def __init__(self, catalog: FakeCatalog | None = None) -> None:
        self.catalog = catalog or FakeCatalog()
        self.stock = FakeStock()
        self.receiving = FakeReceiving()
        self.versions: dict[str, int] = {}
        self.recorded: list[tuple[str, int, Sequence[DomainEvent]]] = []
        self.locks: list[str] = []
        self.committed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self.committed = exc_info[0] is None

    async def lock(self, name: str, *, shared: bool = False) -> None:
        self.locks.append(name)

    async def lock_stream(self, stream_id: str) -> int:
        self.locks.append(stream_id)
        return self.versions.get(stream_id, 0)

    async def lock_streams(self, stream_ids: Sequence[str], *, shared: Collection[str] = ()) -> dict[str, int]:
        return {stream_id: await self.lock_stream(stream_id) for stream_id in stream_ids}

    async def record(
        self, stream_id: str, expected_version: int, events: Sequence[DomainEvent], context: CommandContext
    ) -> Sequence[object]:
        assert self.versions.get(stream_id, 0) == expected_version, f"{stream_id} is not at {expected_version}"
        self.versions[stream_id] = expected_version + len(events)
        self.recorded.append((stream_id, expected_version, events))
        return events

    async def record_all(self, appends: Sequence[Recorded], context: CommandContext) -> Sequence[object]:
        return [await self.record(a.stream_id, a.expected_version, a.events, context) for a in appends]

    def event_types(self) -> list[str]:
        return [e.event_type for _, _, events in self.recorded for e in events]
