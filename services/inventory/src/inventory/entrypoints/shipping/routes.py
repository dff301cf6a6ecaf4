"""Packing and shipping desk endpoints (v1.7 G.1, G.2 paths and fields)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from canonical.errors import DomainError, NotFound
from canonical.web.identity import CurrentIdentity
from inventory.adapters.queries.orders import desk_order
from inventory.adapters.queries.settings import effective_settings
from inventory.domain.shipping.packing import MAX_VERIFY_QUANTITY, require_packable, weight_of
from inventory.domain.shipping.shipping import require_shippable
from inventory.entrypoints.bodies import Body
from inventory.entrypoints.dependencies import Context, Pool
from inventory.entrypoints.orders.dependencies import FulfilmentUow
from inventory.entrypoints.routers import floor_router
from inventory.entrypoints.scoping import visible_warehouses
from inventory.service_layer.orders.locks import SO_NOT_FOUND
from inventory.service_layer.shipping.packing import handle_complete_pack, handle_verify_pack
from inventory.service_layer.shipping.shipping import handle_fulfill

router = floor_router()

MAX_SHIP_BARCODE = 100
Barcode = Annotated[str, Field(min_length=1, max_length=128)]


# Trimmed, non-blank strings only: a number or spaces is a validation error (v1.7 G.2).
Tracking = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Carrier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class VerifyIn(Body):
    so_id: int
    scanned_barcode: Barcode
    quantity: Annotated[int, Field(ge=1, le=MAX_VERIFY_QUANTITY)] = 1


class OrderIn(Body):
    so_id: int


class FulfillIn(Body):
    so_id: int
    tracking_number: Tracking
    carrier: Carrier
    ship_method: Annotated[str, Field(max_length=100)] | None = None


class InvalidBarcode(DomainError):
    code = "invalid_barcode"


def _not_found() -> NotFound:
    return NotFound(f"{SO_NOT_FOUND}.", legacy_error=SO_NOT_FOUND)


@router.get("/api/packing/order/{barcode}")
async def packing_order(barcode: str, pool: Pool, identity: CurrentIdentity) -> dict[str, Any]:
    found = await desk_order(pool, barcode, visible_warehouses(identity))
    if found is None:
        raise _not_found()
    header, lines = found
    require_packable(header["status"])
    keys = ("so_line_id", "line_number", "item_id", "sku", "item_name", "upc", "weight_lbs", "quantity_ordered")
    rows = [
        {
            **{k: line[k] for k in (*keys, "quantity_picked", "quantity_packed")},
            "pack_verified": line["quantity_packed"] >= line["quantity_picked"],
        }
        for line in lines
    ]
    return {
        "sales_order": header,
        "lines": rows,
        "calculated_weight_lbs": weight_of((line["weight_lbs"], line["quantity_picked"]) for line in lines),
        "total_items": sum(line["quantity_picked"] for line in lines),
        "items_verified": sum(line["quantity_picked"] for line in rows if line["pack_verified"]),
    }


@router.post("/api/packing/verify")
async def verify_pack(
    body: VerifyIn, uow: FulfilmentUow, context: Context, identity: CurrentIdentity
) -> dict[str, Any]:
    verified, item = await handle_verify_pack(
        body.so_id, body.scanned_barcode, body.quantity, uow, context, identity.may_access_warehouse
    )
    lines = verified.order.lines
    done = sum(line.pack_verified for line in lines)
    return {
        "message": "Item verified",
        "item": {
            "sku": item.sku,
            "item_name": item.item_name,
            "quantity_verified": verified.line.quantity_packed,
            "line_complete": verified.line.pack_verified,
        },
        "order_progress": {"total_lines": len(lines), "lines_verified": done, "all_verified": done == len(lines)},
    }


@router.post("/api/packing/complete")
async def complete_pack(
    body: OrderIn, uow: FulfilmentUow, context: Context, identity: CurrentIdentity
) -> dict[str, Any]:
    return await handle_complete_pack(body.so_id, uow, context, identity.may_access_warehouse)


@router.get("/api/shipping/order/{barcode}")
async def shipping_order(barcode: str, pool: Pool, identity: CurrentIdentity) -> dict[str, Any]:
    if not barcode.strip():
        raise InvalidBarcode("The barcode must not be blank.", legacy_error="Barcode is required")
    if len(barcode) > MAX_SHIP_BARCODE:
        text = f"Barcode must be at most {MAX_SHIP_BARCODE} characters"
        raise InvalidBarcode(f"{text}.", legacy_error=text)
    found = await desk_order(pool, barcode, visible_warehouses(identity))
    if found is None:
        raise _not_found()
    header, lines = found
    settings = await effective_settings(pool, header["warehouse_id"])
    require_shippable(header["status"], require_packing=settings.require_packing_before_shipping)
    keys = ("so_line_id", "line_number", "item_id", "sku", "item_name", "quantity_ordered", "quantity_picked")
    return {
        "sales_order": header,
        "lines": [{k: line[k] for k in keys} for line in lines],
        "total_items": sum(line["quantity_picked"] for line in lines),
        "total_lines": len(lines),
    }


@router.post("/api/shipping/fulfill")
async def fulfill(body: FulfillIn, uow: FulfilmentUow, context: Context, identity: CurrentIdentity) -> dict[str, Any]:
    return await handle_fulfill(
        body.so_id, body.carrier, body.tracking_number, body.ship_method, uow, context, identity.may_access_warehouse
    )
