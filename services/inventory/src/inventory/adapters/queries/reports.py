"""Admin dashboard and reports (v1.7 H.4), read from the projections.

Order figures read the sales-order and short-pick read models of the fulfilment
context, which lives in this same database.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from canonical.pagination import Page
from inventory.adapters.queries.settings import effective_settings

RECENT_ACTIVITY = 10
SEARCH_PER_TYPE, SEARCH_TOTAL = 10, 50
OPEN_ORDER_STATES = ["OPEN", "PICKING", "PICKED", "PACKED"]


async def dashboard(pool: asyncpg.Pool, warehouse_id: int | None) -> dict[str, Any]:
    require_packing = (await effective_settings(pool, warehouse_id)).require_packing_before_shipping
    in_warehouse = "($1::integer IS NULL OR warehouse_id = $1)"
    figures = await pool.fetchrow(
        "SELECT"  # noqa: S608 (the f-strings below only add the constant `in_warehouse`)
        f" (SELECT count(*) FROM purchase_orders WHERE status IN ('OPEN', 'PARTIAL') AND {in_warehouse}) AS open_pos,"
        " (SELECT COALESCE(sum(GREATEST(l.quantity_ordered - l.quantity_received, 0)), 0) FROM purchase_order_lines l"
        "   JOIN purchase_orders p ON p.po_id = l.po_id WHERE p.status IN ('OPEN', 'PARTIAL')"
        "   AND ($1::integer IS NULL OR p.warehouse_id = $1)) AS pending_receipts,"
        " (SELECT COALESCE(sum(s.quantity_on_hand), 0) FROM stock s JOIN bins b ON b.bin_id = s.bin_id"
        "   WHERE b.bin_type = 'Staging' AND ($1::integer IS NULL OR s.warehouse_id = $1)) AS items_awaiting_putaway,"
        f" (SELECT count(*) FROM sales_orders WHERE status = 'OPEN' AND {in_warehouse}) AS open_sos,"
        f" (SELECT count(*) FROM sales_orders WHERE status = 'PICKING' AND {in_warehouse}) AS orders_in_picking,"
        f" (SELECT count(*) FROM sales_orders WHERE status = 'PICKED' AND {in_warehouse}) AS picked,"
        f" (SELECT count(*) FROM sales_orders WHERE status = 'PACKED' AND {in_warehouse}) AS packed,"
        " (SELECT count(*) FROM items WHERE is_active) AS total_skus,"
        f" (SELECT count(*) FROM bins WHERE is_active AND {in_warehouse}) AS total_bins,"
        " (SELECT count(*) FROM short_picks WHERE reported_at > now() - interval '7 days'"
        f"   AND {in_warehouse}) AS short_picks_7d,"
        " (SELECT count(*) FROM items i WHERE i.is_active AND i.reorder_point > 0 AND i.reorder_point >="
        "   (SELECT COALESCE(sum(s.quantity_on_hand), 0) FROM stock s WHERE s.item_id = i.item_id)) AS low_stock_items,"
        " (SELECT count(*) FROM adjustments WHERE status = 'PENDING') AS pending_adjustments",
        warehouse_id,
    )
    values = {key: int(value) for key, value in dict(figures or {}).items()}  # one row, always
    picked, packed = values.pop("picked"), values.pop("packed")
    result: dict[str, Any] = {**values, "orders_ready_to_pick": values["open_sos"], "require_packing": require_packing}
    if require_packing:
        result.update(ready_to_pack=picked, orders_packed=packed, ready_to_ship=packed)
    else:
        result["ready_to_ship"] = picked + packed
    result["recent_activity"] = await recent_activity(pool, warehouse_id)
    return result


async def recent_activity(pool: asyncpg.Pool, warehouse_id: int | None) -> list[dict[str, Any]]:
    """The last changes recorded here, from the event store (the audit service holds the signed log)."""
    rows = await pool.fetch(
        "SELECT event_type, metadata->>'actor' AS actor, stream_id, recorded_at FROM event_store"
        " WHERE $1::integer IS NULL OR (metadata->>'warehouseid')::integer = $1"
        " ORDER BY global_position DESC LIMIT $2",
        warehouse_id,
        RECENT_ACTIVITY,
    )
    return [
        {"action": r["event_type"], "user": r["actor"], "detail": r["stream_id"], "time": r["recorded_at"].isoformat()}
        for r in rows
    ]


async def inventory_positions(
    pool: asyncpg.Pool, paging: Page, warehouse_id: int | None, item_id: int | None, q: str | None
) -> tuple[list[dict[str, Any]], int]:
    text = (q or "").strip()
    where = (
        " WHERE ($1::integer IS NULL OR s.warehouse_id = $1) AND ($2::integer IS NULL OR s.item_id = $2)"
        " AND ($3 = '' OR i.sku ILIKE '%' || $3 || '%' OR i.item_name ILIKE '%' || $3 || '%')"
    )
    joins = " FROM stock s JOIN items i ON i.item_id = s.item_id JOIN bins b ON b.bin_id = s.bin_id"
    rows = await pool.fetch(
        "SELECT s.stock_id AS inventory_id, s.item_id, i.sku, i.item_name, s.bin_id, b.bin_code, z.zone_name,"  # noqa: S608
        " s.warehouse_id, s.quantity_on_hand, s.quantity_allocated,"
        " s.quantity_on_hand - s.quantity_allocated AS quantity_available, s.lot_number, s.expiry_date,"
        " (SELECT COALESCE(sum(l.quantity_ordered - l.quantity_shipped), 0) FROM sales_order_lines l"
        "   JOIN sales_orders o ON o.so_id = l.so_id WHERE l.item_id = s.item_id AND o.status = ANY($6::text[])"
        " ) AS committed_to_orders,"
        " (SELECT max(c.counted_at) FROM cycle_count_lines c JOIN cycle_counts cc ON cc.count_id = c.count_id"
        "   WHERE cc.bin_id = s.bin_id AND c.item_id = s.item_id"
        "   AND c.lot_number IS NOT DISTINCT FROM s.lot_number) AS last_counted_at"
        f"{joins} LEFT JOIN zones z ON z.zone_id = b.zone_id{where}"
        " ORDER BY i.sku, b.bin_code, s.lot_number NULLS FIRST LIMIT $4 OFFSET $5",
        warehouse_id,
        item_id,
        text,
        paging.per_page,
        paging.offset,
        OPEN_ORDER_STATES,
    )
    total = await pool.fetchval(f"SELECT count(*){joins}{where}", warehouse_id, item_id, text)
    result = []
    for row in rows:
        values = dict(row)
        values["committed_to_orders"] = int(values["committed_to_orders"])
        for key in ("expiry_date", "last_counted_at"):
            values[key] = None if values[key] is None else values[key].isoformat()
        result.append(values)
    return result, int(total)


async def search(pool: asyncpg.Pool, text: str, warehouse_id: int | None) -> list[dict[str, Any]]:
    """Up to 10 per type, in the order item, bin, po, so, customer; items ignore the warehouse."""
    items = (
        "SELECT 'item' AS type, item_id AS id, sku AS label, item_name AS sublabel FROM items"
        " WHERE sku ILIKE $1 OR item_name ILIKE $1 OR upc ILIKE $1 ORDER BY sku LIMIT $2"
    )
    in_warehouse = (
        "SELECT 'bin' AS type, bin_id AS id, bin_code AS label, bin_type AS sublabel FROM bins"
        " WHERE (bin_code ILIKE $1 OR bin_barcode ILIKE $1) AND ($2::integer IS NULL OR warehouse_id = $2)"
        " ORDER BY bin_code LIMIT $3",
        "SELECT 'po' AS type, po_id AS id, po_number AS label, vendor_name AS sublabel FROM purchase_orders"
        " WHERE (po_number ILIKE $1 OR po_barcode ILIKE $1 OR vendor_name ILIKE $1)"
        " AND ($2::integer IS NULL OR warehouse_id = $2) ORDER BY po_number LIMIT $3",
        "SELECT 'so' AS type, so_id AS id, so_number AS label, customer_name AS sublabel FROM sales_orders"
        " WHERE (so_number ILIKE $1 OR so_barcode ILIKE $1 OR customer_name ILIKE $1)"
        " AND ($2::integer IS NULL OR warehouse_id = $2) ORDER BY so_number LIMIT $3",
        "SELECT 'customer' AS type, NULL::integer AS id, customer_name AS label,"
        " count(*)::text || ' order(s)' AS sublabel FROM sales_orders WHERE customer_name ILIKE $1"
        " AND ($2::integer IS NULL OR warehouse_id = $2) GROUP BY customer_name ORDER BY customer_name LIMIT $3",
    )
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    async with pool.acquire() as connection:
        results = [dict(r) for r in await connection.fetch(items, pattern, SEARCH_PER_TYPE)]
        for query in in_warehouse:
            results += [dict(r) for r in await connection.fetch(query, pattern, warehouse_id, SEARCH_PER_TYPE)]
    return results[:SEARCH_TOTAL]
