from datetime import UTC, datetime

import pytest

from canonical.errors import DomainError
from canonical.events.factory import CommandContext
from inventory.domain.catalog.bin import Bin, BinCodeInUse, InvalidBin, UnknownZone, create_bin, update_bin
from inventory.domain.catalog.changes import NothingToUpdate
from inventory.domain.catalog.item import DuplicateSku, DuplicateUpc, InvalidItem, Item, create_item, toggle_archive
from inventory.domain.catalog.preferred_bin import PreferredBin, UnknownItemOrBin, save_preferred_bin
from inventory.domain.catalog.settings import InvalidSetting, WarehouseSettings, normalise
from inventory.domain.catalog.warehouse import Warehouse, WarehouseNotEmpty, delete_warehouse
from inventory.domain.catalog.zone import DuplicateZoneCode, Zone, ZoneHasBins, create_zone, delete_zone, update_zone
from inventory.service_layer.catalog.items import handle_delete_item
from inventory.service_layer.catalog.zones import handle_create_zone

from .fakes import FakeUnitOfWork

NOW = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
ZONE = Zone(1, 1, "STO", "Storage", "STORAGE")
BIN = Bin(1, "00000000-0000-0000-0000-000000000001", 1, 1, "A-01", "BC-A-01")
ITEM = Item(1, "00000000-0000-0000-0000-000000000002", "SKU-1", "Widget", NOW, NOW, upc="0001", barcode_aliases=("A",))


def test_zone_codes_are_unique_and_a_zone_with_bins_stays() -> None:
    with pytest.raises(DuplicateZoneCode):
        create_zone(ZONE, code_taken=True)
    assert create_zone(ZONE, code_taken=False).data["zone_type"] == "STORAGE"
    with pytest.raises(ZoneHasBins) as blocked:
        delete_zone(ZONE, bins=2)
    assert blocked.value.status == 409
    assert delete_zone(ZONE, bins=0).event_type == "zone.deleted"


def test_an_update_names_at_least_one_field_and_keeps_the_rest() -> None:
    with pytest.raises(NothingToUpdate):
        update_zone(ZONE, {}, code_taken=False)
    event = update_zone(ZONE, {"zone_name": "Bulk"}, code_taken=True)  # the code did not change
    assert event.data == {**create_zone(ZONE, code_taken=False).data, "zone_name": "Bulk"}


def test_bins_need_a_zone_of_their_own_warehouse_and_valid_numbers() -> None:
    with pytest.raises(UnknownZone):
        create_bin(BIN, None, code_taken=False)
    with pytest.raises(InvalidBin):
        create_bin(BIN, Zone(2, 2, "X", "X", "STORAGE"), code_taken=False)
    with pytest.raises(InvalidBin):
        create_bin(Bin(**{**BIN.__dict__, "bin_type": "Shelf"}), ZONE, code_taken=False)
    with pytest.raises(InvalidBin):
        create_bin(Bin(**{**BIN.__dict__, "level_num": -1}), ZONE, code_taken=False)
    with pytest.raises(BinCodeInUse) as taken:
        update_bin(BIN, {"bin_code": "B-01"}, ZONE, code_taken=True)
    assert taken.value.status == 409


def test_bin_types_decide_put_away_and_allocation() -> None:
    staging = Bin(**{**BIN.__dict__, "bin_type": "Staging"})
    pickable_staging = Bin(**{**BIN.__dict__, "bin_type": "PickableStaging"})
    assert (staging.awaits_put_away, staging.allocatable) == (True, False)
    assert (pickable_staging.awaits_put_away, pickable_staging.allocatable) == (False, True)
    assert (BIN.awaits_put_away, BIN.allocatable) == (False, True)
    assert BIN.matches_scan("BC-A-01")
    assert BIN.matches_scan("A-01")
    assert not BIN.matches_scan("a-01")


def test_items_match_upc_aliases_and_sku_unless_sku_scans_are_off() -> None:
    assert ITEM.matches_scan("0001", accept_sku=False)
    assert ITEM.matches_scan("A", accept_sku=False)
    assert ITEM.matches_scan("SKU-1", accept_sku=True)
    assert not ITEM.matches_scan("SKU-1", accept_sku=False)


def test_item_rules() -> None:
    with pytest.raises(DuplicateSku):
        create_item(ITEM, sku_taken=True, upc_taken=False)
    with pytest.raises(DuplicateUpc):
        create_item(ITEM, sku_taken=False, upc_taken=True)
    with pytest.raises(InvalidItem):
        create_item(Item(**{**ITEM.__dict__, "weight_lbs": 100000.0}), sku_taken=False, upc_taken=False)
    assert create_item(ITEM, sku_taken=False, upc_taken=False).data["barcode_aliases"] == ["A"]
    archived = toggle_archive(ITEM, NOW)
    assert (archived.event_type, archived.data["is_active"]) == ("item.updated", False)


def test_preferred_bins_need_an_existing_item_and_bin() -> None:
    with pytest.raises(UnknownItemOrBin):
        save_preferred_bin(PreferredBin(1, 1, 1), item_exists=True, bin_exists=False)
    assert save_preferred_bin(PreferredBin(1, 1, 1, 3), item_exists=True, bin_exists=True).data["priority"] == 3


def test_a_warehouse_is_deleted_only_when_empty() -> None:
    warehouse = Warehouse(1, "WH1", "Main", None, True, NOW)
    with pytest.raises(WarehouseNotEmpty, match="bin"):
        delete_warehouse(warehouse, units=0, bins=1, zones=1)
    with pytest.raises(WarehouseNotEmpty, match="zone"):
        delete_warehouse(warehouse, units=0, bins=0, zones=1)
    assert delete_warehouse(warehouse, units=0, bins=0, zones=0).data == {"warehouse_id": 1}


def test_settings_fold_the_legacy_key_and_validate_known_values() -> None:
    assert normalise({"allow_over_receipt": "true", "custom": "x"}) == {"allow_over_receiving": "true", "custom": "x"}
    for bad in ({}, {"accept_sku_scan": "1"}, {"allocation_strategy": "lifo"}, {"default_receiving_bin": "dock"}):
        with pytest.raises(InvalidSetting):
            normalise(bad)
    defaults = WarehouseSettings({})
    assert (defaults.allow_over_receiving, defaults.accept_sku_scan, defaults.allocation_strategy) == (
        False,
        True,
        "pick_sequence",
    )
    assert WarehouseSettings({"allow_over_receiving": "true"}).value("allow_over_receipt") == "true"


async def test_zone_create_locks_the_warehouse_and_refuses_an_unknown_one() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(DomainError) as unknown:
        await handle_create_zone(1, "STO", "Storage", "STORAGE", uow, CommandContext("r", "a"))
    assert unknown.value.status == 409
    uow.catalog.warehouses[1] = Warehouse(1, "WH1", "Main", None, True, NOW)
    uow.locks.clear()
    created = await handle_create_zone(1, " STO ", "Storage", "STORAGE", uow, CommandContext("r", "a"))
    assert created["zone_code"] == "STO"
    assert uow.locks == ["warehouse-1", "zone-code:1:STO"]


async def test_deleting_an_item_removes_its_preferred_bins_first() -> None:
    uow = FakeUnitOfWork()
    uow.catalog.items[1] = ITEM
    uow.catalog.preferred[4] = PreferredBin(4, 1, 1)
    uow.versions["item-1"] = 1
    uow.versions["preferred_bin-4"] = 1
    await handle_delete_item(1, uow, CommandContext("r", "a"))
    assert uow.event_types() == ["preferred_bin.removed", "item.deleted"]
    assert [(s, v) for s, v, _ in uow.recorded] == [("preferred_bin-4", 1), ("item-1", 1)]
