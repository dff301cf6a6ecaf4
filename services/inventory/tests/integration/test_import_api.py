"""Bulk import over HTTP: JSON and CSV, per-row errors, dry run, one transaction, templates."""

from typing import Any

import asyncpg
import httpx
import pytest

from canonical.testing import eventually

from .support import bin_, warehouse, zone

pytestmark = pytest.mark.integration


@pytest.fixture
async def site(inventory: httpx.AsyncClient) -> dict[str, Any]:
    wh = await warehouse(inventory)
    z = await zone(inventory, wh, code="PICK")
    await inventory.put(f"/api/admin/zones/{z}", json={"zone_name": "Pick Zone"})
    shelf = await bin_(inventory, wh, z, "A-01-01")
    return {"wh": wh, "zone": z, "shelf": shelf}


async def post(client: httpx.AsyncClient, entity: str, records: Any, **extra: Any) -> httpx.Response:
    return await client.post(f"/api/admin/import/{entity}", json={"records": records, **extra})


async def skus(pool: asyncpg.Pool) -> list[str]:
    return [r["sku"] for r in await pool.fetch("SELECT sku FROM items ORDER BY sku")]


async def test_items_import_row_by_row_with_errors_reported(
    inventory: httpx.AsyncClient, site: dict[str, Any], pool: asyncpg.Pool
) -> None:
    two = await post(inventory, "items", [{"sku": "TST-001", "name": "Fly"}, {"sku": "TST-002", "item_name": "Line"}])
    assert two.status_code == 200, two.text
    assert (two.json()["imported"], two.json()["skipped"], two.json()["errors"]) == (2, 0, [])
    mixed = await post(
        inventory,
        "items",
        [
            {"sku": "TST-001", "name": "Again"},
            {
                "sku": "TST-003",
                "name": "Reel",
                "default_bin": "A-01-01",
                "quantity": "12",
                "weight": "0.5",
                "colour": "x",
            },
            {"name": "No SKU"},
            {"sku": "TST-004", "name": "=HYPERLINK(evil)"},
            {"sku": "TST-005", "name": "Wader", "quantity": "a dozen"},
        ],
    )
    body = mixed.json()
    assert (body["total"], body["imported"], body["skipped"]) == (5, 1, 4)
    errors = {e["row"]: e["error"] for e in body["errors"]}
    assert errors[1] == "Duplicate SKU"
    assert "sku" in errors[3]
    assert "formula" in errors[4]
    assert "number" in errors[5]
    assert await skus(pool) == ["TST-001", "TST-002", "TST-003"]
    located = (await inventory.get("/api/lookup/item/TST-003")).json()["locations"]
    assert [(loc["bin_code"], loc["quantity_on_hand"]) for loc in located] == [("A-01-01", 12)]


async def test_a_csv_with_quoted_commas_imports_as_written(
    inventory: httpx.AsyncClient, site: dict[str, Any], pool: asyncpg.Pool
) -> None:
    header = "sku,name,description,category,upc,default_bin,weight,quantity"
    text = f'{header}\r\nTST-010,"Fly, dry","He said ""tie it""",Flies,,,,\r\n\r\n'
    raw = await inventory.post("/api/admin/import/items", content=text.encode(), headers={"Content-Type": "text/csv"})
    assert raw.status_code == 200, raw.text
    assert raw.json()["imported"] == 1
    wrapped = await inventory.post("/api/admin/import/items", json={"csv": text.replace("TST-010", "TST-011")})
    assert wrapped.json()["imported"] == 1
    rows = await pool.fetch("SELECT item_name, description FROM items WHERE sku LIKE 'TST-01%' ORDER BY sku")
    assert [tuple(r) for r in rows] == [("Fly, dry", 'He said "tie it"')] * 2
    refused = await inventory.post("/api/admin/import/items", content=b"x", headers={"Content-Type": "text/plain"})
    assert refused.status_code == 415


async def test_refused_imports_and_the_dry_run(
    inventory: httpx.AsyncClient, site: dict[str, Any], pool: asyncpg.Pool
) -> None:
    too_many = await post(inventory, "items", [{"sku": f"S{n}", "name": "n"} for n in range(5001)])
    assert too_many.status_code == 400
    assert "5000" in too_many.json()["error"]
    assert (await post(inventory, "invalid", [{"sku": "x"}])).status_code == 400
    assert (await inventory.post("/api/admin/import/items", json={})).status_code == 400
    assert (await post(inventory, "items", [])).status_code == 400
    dry = await post(inventory, "items", [{"sku": "DRY-1", "name": "d"}, {"sku": "DRY-1", "name": "d"}], dry_run=True)
    assert (dry.json()["imported"], dry.json()["skipped"], dry.json()["dry_run"]) == (1, 1, True)
    assert await skus(pool) == []
    assert await pool.fetchval("SELECT count(*) FROM event_store WHERE event_type = 'item.created'") == 0


async def test_a_row_is_all_or_nothing(inventory: httpx.AsyncClient, site: dict[str, Any], pool: asyncpg.Pool) -> None:
    # The item would be created, but its opening stock is refused: the row leaves nothing behind.
    body = await post(
        inventory, "items", [{"sku": "BIG", "name": "b", "default_bin": "A-01-01", "quantity": 2_000_000}]
    )
    assert (body.json()["imported"], body.json()["skipped"]) == (0, 1)
    assert await skus(pool) == []
    unknown_bin = await post(inventory, "items", [{"sku": "LOST", "name": "l", "default_bin": "NOWHERE"}])
    assert "NOWHERE" in unknown_bin.json()["errors"][0]["error"]


async def test_bins_resolve_their_zone_by_code_or_name(
    inventory: httpx.AsyncClient, site: dict[str, Any], pool: asyncpg.Pool
) -> None:
    body = await post(
        inventory,
        "bins",
        [
            {"bin_code": "B-01", "zone": "pick zone", "aisle": "B", "pick_sequence": "700"},
            {"bin_code": "B-02", "zone": "PICK", "bin_type": "Staging"},
            {"bin_code": "B-03", "zone": "Nowhere"},
            {"bin_code": "B-04", "zone": "PICK", "bin_type": "Shelf"},
            {"bin_code": "A-01-01", "zone": "PICK"},
        ],
    )
    assert body.status_code == 200, body.text
    assert (body.json()["imported"], [e["row"] for e in body.json()["errors"]]) == (2, [3, 4, 5])
    rows = await pool.fetch(
        "SELECT bin_code, bin_barcode, bin_type, pick_sequence FROM bins WHERE bin_code LIKE 'B-%' ORDER BY 1"
    )
    assert [tuple(r) for r in rows] == [("B-01", "B-01", "Pickable", 700), ("B-02", "B-02", "Staging", 0)]


async def test_purchase_order_rows_make_one_order_per_number(
    inventory: httpx.AsyncClient, site: dict[str, Any], pool: asyncpg.Pool
) -> None:
    await post(inventory, "items", [{"sku": "TST-001", "name": "a"}, {"sku": "TST-002", "name": "b"}])
    body = await post(
        inventory,
        "purchase-orders",
        [
            {"po_number": "PO-7", "sku": "TST-001", "quantity": "10", "vendor": "Acme", "expected_date": "2026-02-01"},
            {"po_number": "PO-7", "sku": "TST-002", "quantity_expected": "5"},
            {"po_number": "PO-7", "sku": "NOPE", "quantity": "5"},
            {"po_number": "PO-8", "sku": "TST-001", "quantity": "0"},
            {"po_number": "PO-9", "sku": "TST-001", "quantity": "3", "expected_date": "soon"},
        ],
        warehouse_id=site["wh"],
    )
    assert body.status_code == 200, body.text
    assert (body.json()["imported"], [e["row"] for e in body.json()["errors"]]) == (2, [3, 4, 5])
    po = (await inventory.get("/api/receiving/po/PO-7")).json()
    assert (po["purchase_order"]["status"], po["purchase_order"]["vendor_name"]) == ("OPEN", "Acme")
    assert [(line["line_number"], line["quantity_ordered"]) for line in po["lines"]] == [(1, 10), (2, 5)]
    again = await post(
        inventory, "purchase-orders", [{"po_number": "PO-7", "sku": "TST-001", "quantity": 1}], warehouse_id=site["wh"]
    )
    assert (again.json()["imported"], again.json()["skipped"]) == (0, 1)
    nowhere = await post(inventory, "purchase-orders", [{"po_number": "PO-10", "sku": "TST-001", "quantity": 1}])
    assert "warehouse_id" in nowhere.json()["errors"][0]["error"]


async def test_sales_order_rows_make_one_open_order_per_number(
    inventory: httpx.AsyncClient, site: dict[str, Any]
) -> None:
    await post(inventory, "items", [{"sku": "TST-001", "name": "a"}, {"sku": "TST-002", "name": "b"}])
    csv_body = (
        "so_number,warehouse_id,customer,customer_phone,customer_address,sku,quantity\n"
        f'SO-7,{site["wh"]},"Smith, Jane",555-0100,"1 Main St, Springfield",TST-001,2\n'
        f"SO-7,{site['wh']},,,,TST-002,1\n"
        f"SO-8,{site['wh']},Lee,,,NOPE,1\n"
        f"SO-9,{site['wh']},Lee,,,TST-001,\n"
    )
    body = await inventory.post("/api/admin/import/sales-orders", json={"csv": csv_body})
    assert body.status_code == 200, body.text
    assert (body.json()["imported"], [e["row"] for e in body.json()["errors"]]) == (2, [3, 4])
    so = (await inventory.get("/api/lookup/so/SO-7")).json()["sales_order"]
    assert (so["status"], so["customer_name"], so["customer_address"]) == (
        "OPEN",
        "Smith, Jane",
        "1 Main St, Springfield",
    )
    assert [(line["sku"], line["quantity_ordered"]) for line in so["lines"]] == [("TST-001", 2), ("TST-002", 1)]
    again = await post(
        inventory, "sales-orders", [{"so_number": "SO-7", "sku": "TST-001", "quantity": 1}], warehouse_id=site["wh"]
    )
    assert (again.json()["imported"], again.json()["skipped"]) == (0, 1)


async def test_templates_are_the_admin_ui_headers(inventory: httpx.AsyncClient) -> None:
    items = await inventory.get("/api/admin/import/items/template")
    assert items.status_code == 200
    assert items.headers["content-type"].startswith("text/csv")
    assert items.text == "sku,name,description,category,upc,default_bin,weight,quantity\n"
    assert (await inventory.get("/api/admin/import/nope/template")).status_code == 400


async def test_a_background_import_reports_progress_then_its_result(
    inventory: httpx.AsyncClient, site: dict[str, Any], pool: asyncpg.Pool
) -> None:
    records = [{"sku": f"BG-{n:03d}", "name": "bg"} for n in range(250)] + [{"sku": "BG-000", "name": "dup"}]
    started = await inventory.post("/api/admin/import/items", params={"background": "true"}, json={"records": records})
    assert started.status_code == 202, started.text
    assert (started.json()["status"], started.json()["total"]) == ("running", 251)
    job_url = f"/api/admin/import/jobs/{started.json()['job_id']}"
    seen: list[int] = []

    async def finished() -> dict[str, Any] | None:
        state: dict[str, Any] = (await inventory.get(job_url)).json()
        seen.append(state["processed"])
        return state if state["status"] != "running" else None

    done = await eventually(finished, timeout_s=60, interval_s=0.2)
    assert (done["status"], done["processed"], done["total"]) == ("done", 251, 251)
    assert (done["result"]["imported"], done["result"]["skipped"]) == (250, 1)
    assert seen == sorted(seen)
    assert await pool.fetchval("SELECT count(*) FROM items WHERE sku LIKE 'BG-%'") == 250
    assert (await inventory.get("/api/admin/import/jobs/00000000-0000-4000-8000-000000000000")).status_code == 404
    refused = await inventory.post("/api/admin/import/items", params={"background": "true"}, json={"records": []})
    assert refused.status_code == 400  # whole-import refusals still answer at once
