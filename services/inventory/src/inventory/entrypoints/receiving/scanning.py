"""Scanner receiving and put-away endpoints (any role, within warehouse scope)."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any, Self

from pydantic import Field, model_validator

from canonical.errors import DomainError, NotFound
from canonical.web.identity import CurrentIdentity
from inventory.adapters.queries.putaway import bin_by_id, item_summary, pending_put_away, put_away_suggestion
from inventory.adapters.queries.receiving import purchase_order_by_barcode
from inventory.domain.receiving.receipt import MAX_RECEIVE_QUANTITY, ReceiveEntry
from inventory.domain.stock.transfer import MAX_MOVE_QUANTITY, MoveStock
from inventory.entrypoints.bodies import Body
from inventory.entrypoints.dependencies import Context, Pool, Uow
from inventory.entrypoints.routers import floor_router
from inventory.entrypoints.scoping import RequestedWarehouse, require_access, visible_warehouses
from inventory.service_layer.catalog.preferred_bins import handle_make_primary_bin
from inventory.service_layer.receiving.purchase_orders import PO_NOT_FOUND
from inventory.service_layer.receiving.receipts import handle_cancel_receipts, handle_receive
from inventory.service_layer.stock.transfers import handle_put_away, in_source_warehouse

router = floor_router()

Short = Annotated[str, Field(max_length=100)]


class PurchaseOrderClosed(DomainError):
    code = "purchase_order_closed"


class EntryIn(Body):
    item_id: int
    quantity: Annotated[int, Field(ge=1, le=MAX_RECEIVE_QUANTITY)]
    bin_id: int
    lot_number: Short | None = None
    serial_number: Short | None = None
    expiry_date: date | None = None
    notes: Annotated[str, Field(max_length=1000)] | None = None


class ReceiveIn(Body):
    po_id: Annotated[int, Field(gt=0)]
    items: Annotated[list[EntryIn], Field(min_length=1)]


class CancelIn(Body):
    receipt_ids: list[int] = Field(default_factory=list)
    po_id: int | None = None


class PutAwayIn(Body):
    item_id: int
    from_bin_id: int
    to_bin_id: int
    quantity: Annotated[int, Field(ge=1, le=MAX_MOVE_QUANTITY)]
    lot_number: Short | None = None

    @model_validator(mode="after")
    def _different_bins(self) -> Self:
        if self.from_bin_id == self.to_bin_id:
            raise ValueError("from_bin_id and to_bin_id must differ")
        return self


def _sees(identity: CurrentIdentity, warehouse_id: int) -> bool:
    return identity.may_access_warehouse(warehouse_id)


@router.get("/api/receiving/po/{barcode}")
async def look_up_purchase_order(barcode: str, pool: Pool, identity: CurrentIdentity) -> dict[str, Any]:
    found = await purchase_order_by_barcode(pool, barcode, visible_warehouses(identity))
    if found is None:
        raise NotFound(f"{PO_NOT_FOUND}.", legacy_error=PO_NOT_FOUND)
    if found["purchase_order"]["status"] == "CLOSED":
        raise PurchaseOrderClosed("This purchase order is closed and cannot be received.")
    return found


@router.post("/api/receiving/receive")
async def receive(body: ReceiveIn, uow: Uow, context: Context, identity: CurrentIdentity) -> dict[str, Any]:
    entries = [
        ReceiveEntry(
            e.item_id,
            e.quantity,
            e.bin_id,
            e.lot_number,
            e.serial_number,
            None if e.expiry_date is None else e.expiry_date.isoformat(),
            e.notes,
        )
        for e in body.items
    ]
    return await handle_receive(body.po_id, entries, uow, context, partial(_sees, identity))


@router.post("/api/receiving/cancel")
async def cancel_receipts(body: CancelIn, uow: Uow, context: Context, identity: CurrentIdentity) -> dict[str, Any]:
    return await handle_cancel_receipts(body.receipt_ids, uow, context, partial(_sees, identity))


@router.get("/api/putaway/pending/{warehouse_id}")
async def get_pending_put_away(warehouse_id: int, pool: Pool, _: RequestedWarehouse) -> dict[str, Any]:
    return {"pending_items": await pending_put_away(pool, warehouse_id)}


@router.get("/api/putaway/suggest/{item_id}")
async def suggest_put_away(item_id: int, pool: Pool, identity: CurrentIdentity) -> dict[str, Any]:
    item = await item_summary(pool, item_id)
    if item is None:
        raise NotFound("Item not found.", legacy_error="Item not found")
    preferred, suggested = await put_away_suggestion(pool, item_id, visible_warehouses(identity))
    return {**item, "preferred_bin": preferred, "suggested_bin": suggested}


class MakePrimaryIn(Body):
    item_id: int
    bin_id: int
    set_as_primary: bool = True


@router.post("/api/putaway/update-preferred")
async def update_preferred_bin(
    body: MakePrimaryIn, uow: Uow, context: Context, identity: CurrentIdentity, pool: Pool
) -> dict[str, Any]:
    """With `set_as_primary` false v1.7 changed nothing (it only wrote an audit row); so does this."""
    if body.set_as_primary:
        return await handle_make_primary_bin(body.item_id, body.bin_id, uow, context, partial(require_access, identity))
    found = await bin_by_id(pool, body.bin_id)
    if found is None:
        raise NotFound("Bin not found.", legacy_error="Bin not found")
    require_access(identity, found["warehouse_id"])
    return {
        "message": "Preferred bin unchanged",
        "item_id": body.item_id,
        "bin_id": body.bin_id,
        "bin_code": found["bin_code"],
    }


@router.post("/api/putaway/confirm")
async def confirm_put_away(body: PutAwayIn, uow: Uow, context: Context, identity: CurrentIdentity) -> dict[str, Any]:
    command = MoveStock(body.item_id, body.from_bin_id, body.to_bin_id, body.quantity, None, body.lot_number)
    return await handle_put_away(command, uow, context, in_source_warehouse(partial(require_access, identity)))
