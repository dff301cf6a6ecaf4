"""Settings (global, per warehouse, legacy key) and warehouse scoping for USER identities."""

import httpx
import pytest

from canonical.identity import Identity
from canonical.testing import IdentityKeys

from .support import bin_, warehouse, zone

pytestmark = pytest.mark.integration


def user(*warehouse_ids: int) -> Identity:
    return Identity(subject="u-7", username="scanner", role="USER", warehouse_ids=warehouse_ids)


async def test_settings_default_global_and_warehouse_override(inventory: httpx.AsyncClient) -> None:
    wh, other = await warehouse(inventory), await warehouse(inventory, "WH2")
    default = await inventory.get("/api/admin/settings/allow_over_receiving")
    assert default.json() == {"key": "allow_over_receiving", "value": "false"}
    assert (await inventory.get("/api/admin/settings/no_such_key")).status_code == 404

    # The legacy key v1.7's server read is folded into the one the UI writes.
    legacy = await inventory.put("/api/admin/settings", json={"settings": {"allow_over_receipt": "true"}})
    assert legacy.json() == {"message": "Settings updated"}
    assert (await inventory.get("/api/admin/settings/allow_over_receiving")).json()["value"] == "true"
    assert (await inventory.get("/api/admin/settings/allow_over_receipt")).json()["value"] == "true"

    override = await inventory.put(
        "/api/admin/settings",
        json={"warehouse_id": wh, "settings": {"allow_over_receiving": "false", "allocation_strategy": "fefo"}},
    )
    assert override.status_code == 200, override.text
    here = await inventory.get("/api/admin/settings/allow_over_receiving", params={"warehouse_id": wh})
    there = await inventory.get("/api/admin/settings/allow_over_receiving", params={"warehouse_id": other})
    assert (here.json()["value"], there.json()["value"]) == ("false", "true")

    stored = (await inventory.get("/api/admin/settings")).json()["settings"]
    assert [(s["key"], s["value"]) for s in stored] == [("allow_over_receiving", "true")]
    overrides = (await inventory.get("/api/admin/settings", params={"warehouse_id": wh})).json()["settings"]
    assert {s["key"] for s in overrides} == {"allow_over_receiving", "allocation_strategy"}


@pytest.mark.parametrize(
    ("settings", "status"),
    [
        ({}, 400),
        ({"accept_sku_scan": "yes"}, 400),
        ({"allocation_strategy": "random"}, 400),
        ({"default_receiving_bin": "dock"}, 400),
        ({"session_timeout_hours": "8"}, 200),  # any key is accepted, as in v1.7
    ],
)
async def test_settings_values_are_validated(
    inventory: httpx.AsyncClient, settings: dict[str, str], status: int
) -> None:
    assert (await inventory.put("/api/admin/settings", json={"settings": settings})).status_code == status


async def test_settings_of_an_unknown_warehouse_are_refused(inventory: httpx.AsyncClient) -> None:
    response = await inventory.put("/api/admin/settings", json={"warehouse_id": 99, "settings": {"x": "1"}})
    assert response.status_code == 409


async def test_users_read_settings_and_bins_only_in_their_warehouses(
    inventory: httpx.AsyncClient, identity_keys: IdentityKeys
) -> None:
    wh, other = await warehouse(inventory), await warehouse(inventory, "WH2")
    await bin_(inventory, wh, await zone(inventory, wh), "DOCK", bin_type="Staging")
    await inventory.put("/api/admin/settings", json={"warehouse_id": wh, "settings": {"accept_sku_scan": "false"}})
    headers = identity_keys.headers(user(wh))

    mine = await inventory.get(f"/api/v1/warehouses/{wh}/settings", headers=headers)
    assert mine.status_code == 200
    assert mine.json()["settings"]["accept_sku_scan"] == "false"
    assert mine.json()["settings"]["require_packing_before_shipping"] == "true"
    staging = await inventory.get(f"/api/v1/warehouses/{wh}/bins", params={"bin_type": "Staging"}, headers=headers)
    assert [b["bin_code"] for b in staging.json()["bins"]] == ["DOCK"]

    foreign = await inventory.get(f"/api/v1/warehouses/{other}/settings", headers=headers)
    assert foreign.status_code == 403
    assert foreign.json()["error"] == "Access denied for this warehouse"
    assert (await inventory.get(f"/api/v1/warehouses/{other}/bins", headers=headers)).status_code == 403
    # A user whose scope is empty reaches no warehouse, whatever its display default.
    nobody = identity_keys.headers(user())
    assert (await inventory.get(f"/api/v1/warehouses/{wh}/settings", headers=nobody)).status_code == 403


async def test_warehouse_ids_must_be_integers_and_agree(
    inventory: httpx.AsyncClient, identity_keys: IdentityKeys
) -> None:
    wh = await warehouse(inventory)
    headers = identity_keys.headers(user(wh))
    invalid = await inventory.get(f"/api/v1/warehouses/{wh}/bins", params={"warehouse_id": "abc"}, headers=headers)
    assert invalid.status_code == 400
    assert invalid.json()["error"] == "Invalid warehouse_id"
    mismatch = await inventory.get(f"/api/v1/warehouses/{wh}/bins", params={"warehouse_id": wh + 1}, headers=headers)
    assert mismatch.status_code == 400
    assert mismatch.json()["error"] == "warehouse_id mismatch across request"
    assert mismatch.json()["sources"] == {"path": wh, "query": wh + 1}
    body_mismatch = await inventory.put(
        "/api/admin/settings", params={"warehouse_id": wh}, json={"warehouse_id": wh + 1, "settings": {"x": "1"}}
    )
    assert body_mismatch.status_code == 400


async def test_admin_routes_refuse_users_before_validating_the_body(
    inventory: httpx.AsyncClient, identity_keys: IdentityKeys
) -> None:
    wh = await warehouse(inventory)
    headers = identity_keys.headers(user(wh))
    for method, path in (
        ("POST", "/api/admin/zones"),
        ("GET", "/api/admin/bins"),
        ("PUT", "/api/admin/settings"),
        ("POST", "/api/admin/items"),
        ("DELETE", f"/api/admin/warehouses/{wh}"),
    ):
        response = await inventory.request(method, path, json={"nonsense": True}, headers=headers)
        assert response.status_code == 403, (method, path)
        assert response.json()["error"] == "Forbidden"


async def test_a_tolerated_warehouse_id_on_bodies_that_do_not_declare_it(inventory: httpx.AsyncClient) -> None:
    wh = await warehouse(inventory)
    z = await zone(inventory, wh)
    response = await inventory.put(f"/api/admin/zones/{z}", json={"warehouse_id": wh, "zone_name": "Renamed"})
    assert response.status_code == 200, response.text
    extra = await inventory.put(f"/api/admin/zones/{z}", json={"colour": "red"})
    assert extra.json()["details"][0]["type"] == "extra_forbidden"
