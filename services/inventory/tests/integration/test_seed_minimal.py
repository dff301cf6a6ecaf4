"""`SKIP_SEED=true`: the minimal variant (domain.md Part L), through the same commands, safe to run again."""

from typing import Any

import asyncpg
import httpx
import pytest

from canonical.events.registry import default_registry
from canonical.eventstore.store import EventWriter
from inventory.entrypoints import seed as seed_module
from inventory.entrypoints.seed import FULL, MINIMAL, Layout, Seeder
from inventory.settings import Settings

pytestmark = pytest.mark.integration


async def test_the_minimal_seed_is_one_warehouse_three_zones_three_bins_and_no_goods(
    inventory: httpx.AsyncClient, pool: asyncpg.Pool, inventory_settings: Settings
) -> None:
    seeder = Seeder(pool, EventWriter(default_registry(), inventory_settings.kafka_topic_prefix), MINIMAL)
    for _ in range(2):
        await seeder.run()
        row = await pool.fetchrow(
            "SELECT (SELECT count(*) FROM warehouses), (SELECT count(*) FROM zones), (SELECT count(*) FROM bins),"
            " (SELECT count(*) FROM items), (SELECT count(*) FROM purchase_orders), (SELECT count(*) FROM stock)"
        )
        assert tuple(row or ()) == (1, 3, 3, 0, 0, 0)
    warehouses = (await inventory.get("/api/warehouses/list")).json()["warehouses"]
    assert [(w["code"], w["name"]) for w in warehouses] == [("WH-01", "My Warehouse")]
    bins = {b["bin_code"]: b for b in (await inventory.get("/api/admin/bins")).json()["bins"]}
    assert {code: (b["bin_type"], b["pick_sequence"]) for code, b in bins.items()} == {
        "RECV-01": ("Staging", 0),
        "PICK-01": ("Pickable", 100),
        "BULK-01": ("Pickable", 0),
    }
    settings = {s["key"]: s["value"] for s in (await inventory.get("/api/admin/settings")).json()["settings"]}
    assert settings["default_receiving_bin"] == str(bins["RECV-01"]["bin_id"])
    assert (settings["session_timeout_hours"], settings["require_packing_before_shipping"]) == ("8", "true")
    assert settings["allow_over_receiving"] == "true"


@pytest.mark.parametrize(
    ("flag", "argv", "expected"), [("true", [], MINIMAL), ("", ["--minimal"], MINIMAL), ("false", [], FULL)]
)
def test_skip_seed_or_the_flag_chooses_the_minimal_layout(
    monkeypatch: pytest.MonkeyPatch, flag: str, argv: list[str], expected: Layout
) -> None:
    chosen: list[Layout] = []

    async def fake_seed(_: Any, layout: Layout) -> None:
        chosen.append(layout)

    monkeypatch.setenv("SKIP_SEED", flag)
    monkeypatch.setattr(seed_module, "Settings", lambda: None)
    monkeypatch.setattr(seed_module, "seed", fake_seed)
    seed_module.main(argv)
    assert chosen == [expected]
