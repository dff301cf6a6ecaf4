"""Scanner picking endpoints (v1.7 F.4 paths and fields)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse
from pydantic import Field

from canonical.errors import DomainError, NotFound
from canonical.web.identity import CurrentIdentity
from inventory.adapters.queries.picking import (
    active_batch,
    available_to_promise,
    batch_view,
    batch_warehouse,
    next_pick,
    short_pick_report,
    wave_candidate,
)
from inventory.domain.picking.tasks import MAX_PICK_QUANTITY
from inventory.entrypoints.bodies import Body
from inventory.entrypoints.dependencies import Context, Pool
from inventory.entrypoints.orders.dependencies import FulfilmentUow
from inventory.entrypoints.routers import admin_router, floor_router
from inventory.entrypoints.scoping import RequestedWarehouse, require_access
from inventory.service_layer.picking.batches import (
    Created,
    OrderInActiveBatch,
    OrderNotPickable,
    handle_cancel_batch,
    handle_complete_batch,
    handle_create_batch,
    handle_create_wave,
)
from inventory.service_layer.picking.tasks import TaskResult, handle_confirm_pick, handle_short_pick

router = floor_router()
admin = admin_router()

Barcode = Annotated[str, Field(min_length=1, max_length=128)]
BATCH_NOT_FOUND = "Batch not found"


class MissingWarehouse(DomainError):
    code = "warehouse_id_required"


class CreateBatchIn(Body):
    so_identifiers: Annotated[list[Barcode], Field(min_length=1)]
    warehouse_id: int


class WaveValidateIn(Body):
    so_barcode: Barcode
    warehouse_id: int


class WaveCreateIn(Body):
    so_ids: Annotated[list[int], Field(min_length=1)]
    warehouse_id: int


class ConfirmIn(Body):
    pick_task_id: int
    scanned_barcode: Barcode
    quantity_picked: Annotated[int, Field(ge=1, le=MAX_PICK_QUANTITY)]


class ShortIn(Body):
    pick_task_id: int
    quantity_available: Annotated[int, Field(ge=0, le=MAX_PICK_QUANTITY)] = 0


class BatchIn(Body):
    batch_id: int


async def _viewable_batch(pool: Pool, batch_id: int, identity: CurrentIdentity) -> dict[str, Any]:
    view = await batch_view(pool, batch_id)
    if view is None:
        raise NotFound(f"{BATCH_NOT_FOUND}.", legacy_error=BATCH_NOT_FOUND)
    require_access(identity, view["warehouse_id"])
    return view


@router.get("/api/picking/active-batch")
async def get_active_batch(pool: Pool, identity: CurrentIdentity) -> dict[str, Any]:
    return await active_batch(pool, identity.subject)


@router.post("/api/picking/wave-validate")
async def validate_wave_order(body: WaveValidateIn, pool: Pool) -> JSONResponse:
    """Read-only; failures keep v1.7's `{valid: false, error}` shape, plus a stable `code`."""
    found = await wave_candidate(pool, body.so_barcode, body.warehouse_id)

    def refused(status: int, code: str, error: str, **extra: Any) -> JSONResponse:
        return JSONResponse({"valid": False, "error": error, "code": code, "message": error, **extra}, status)

    if found is None:
        return refused(404, "not_found", "Order not found")
    if found["active_batch_id"] is not None:
        error = f"Order {found['so_number']} is already in active pick batch {found['active_batch_id']}"
        return refused(409, OrderInActiveBatch.code, error, batch_id=found["active_batch_id"])
    if found["status"] != "OPEN":
        return refused(400, OrderNotPickable.code, f"Order must be OPEN (it is {found['status']})")
    if not found["line_count"]:
        return refused(400, OrderNotPickable.code, "Order has no items")
    keys = ("so_id", "so_number", "line_count", "total_units")
    return JSONResponse({"valid": True, **{k: found[k] for k in keys}})


@router.post("/api/picking/wave-create")
async def create_wave(body: WaveCreateIn, uow: FulfilmentUow, context: Context, pool: Pool) -> dict[str, Any]:
    created = await handle_create_wave(body.so_ids, body.warehouse_id, uow, context)
    view = await _view(pool, created)
    result: dict[str, Any] = {
        "batch_id": view["batch_id"],
        "batch_number": view["batch_number"],
        "total_orders": view["total_orders"],
        "total_picks": len(view["tasks"]),
        "total_units": view["total_items"],
        "orders": [{k: o[k] for k in ("so_id", "so_number", "line_count")} for o in view["orders"]],
    }
    first = await next_pick(pool, created.batch.batch_id)
    if first is not None and first.task is not None:
        result["first_pick"] = first.task
    if created.warnings:
        result["warnings"] = created.warnings
    return result


async def _view(pool: Pool, created: Created) -> dict[str, Any]:
    view = await batch_view(pool, created.batch.batch_id)
    assert view is not None  # committed just now
    return view


@router.post("/api/picking/create-batch")
async def create_batch(body: CreateBatchIn, uow: FulfilmentUow, context: Context, pool: Pool) -> dict[str, Any]:
    created = await handle_create_batch(body.so_identifiers, body.warehouse_id, uow, context)
    view = await _view(pool, created)
    view["orders"] = [{k: o[k] for k in ("so_id", "so_number", "tote_number")} for o in view["orders"]]
    return view


@router.get("/api/picking/batch/{batch_id}")
async def get_batch(batch_id: int, pool: Pool, identity: CurrentIdentity) -> dict[str, Any]:
    return await _viewable_batch(pool, batch_id, identity)


@router.get("/api/picking/batch/{batch_id}/next")
async def get_next_task(batch_id: int, pool: Pool, identity: CurrentIdentity) -> dict[str, Any]:
    """An unknown batch, like a finished one, has nothing left to pick (v1.7)."""
    found = await next_pick(pool, batch_id)
    if found is not None:
        require_access(identity, found.warehouse_id)
    return (found and found.task) or {"message": "All tasks complete"}


def _task_body(result: TaskResult) -> dict[str, Any]:
    task = result.settled.task
    return {
        "pick_task_id": task.pick_task_id,
        "status": task.status,
        "sku": result.sku,
        "quantity_to_pick": task.quantity_to_pick,
        "quantity_picked": task.quantity_picked,
        "bin_code": result.bin_code,
        "tote_number": task.tote_number,
    }


@router.post("/api/picking/confirm")
async def confirm_pick(
    body: ConfirmIn, uow: FulfilmentUow, context: Context, identity: CurrentIdentity
) -> dict[str, Any]:
    result = await handle_confirm_pick(
        body.pick_task_id, body.scanned_barcode, body.quantity_picked, uow, context, partial(require_access, identity)
    )
    message = "Pick confirmed" if result.settled.task.status == "PICKED" else "Short pick recorded"
    return {"message": message, "task": _task_body(result), "remaining_tasks": result.remaining_tasks}


@router.post("/api/picking/short")
async def short_pick(body: ShortIn, uow: FulfilmentUow, context: Context, identity: CurrentIdentity) -> dict[str, Any]:
    result = await handle_short_pick(
        body.pick_task_id, body.quantity_available, uow, context, partial(require_access, identity)
    )
    task = {**_task_body(result), "shortage": result.settled.shortage}
    return {"message": "Short pick recorded", "task": task, "remaining_tasks": result.remaining_tasks}


@router.post("/api/picking/complete-batch")
async def complete_batch(
    body: BatchIn, uow: FulfilmentUow, context: Context, identity: CurrentIdentity
) -> dict[str, Any]:
    batch, picked = await handle_complete_batch(body.batch_id, uow, context, partial(require_access, identity))
    return {
        "message": "Batch completed",
        "batch_id": batch.batch_id,
        "batch_number": batch.batch_number,
        "summary": {
            "total_orders": len(batch.orders),
            "total_items_picked": sum(t.quantity_picked for t in batch.tasks),
            "total_shorts": sum(t.status == "SHORT" for t in batch.tasks),
            "orders": [{"so_number": so.so_number, "status": "PICKED"} for so in picked],
        },
    }


@router.post("/api/picking/cancel-batch")
async def cancel_batch(
    body: BatchIn, uow: FulfilmentUow, context: Context, identity: CurrentIdentity, pool: Pool
) -> dict[str, str]:
    if await batch_warehouse(pool, body.batch_id) is None:  # v1.7: 404 here, 400 on complete
        raise NotFound(f"{BATCH_NOT_FOUND}.", legacy_error=BATCH_NOT_FOUND)
    await handle_cancel_batch(body.batch_id, uow, context, partial(require_access, identity))
    return {"message": "Batch cancelled"}


@router.get("/api/picking/atp")
async def get_available_to_promise(
    pool: Pool, warehouse_id: RequestedWarehouse, item_id: int | None = None
) -> dict[str, Any]:
    """Available to promise per item (on hand minus allocated, pickable bins): what a new order can get."""
    if warehouse_id is None:
        raise MissingWarehouse("warehouse_id is required.", legacy_error="warehouse_id is required")
    return {"warehouse_id": warehouse_id, "items": await available_to_promise(pool, warehouse_id, item_id)}


@admin.get("/api/admin/short-picks")
async def get_short_picks(
    pool: Pool, warehouse_id: RequestedWarehouse, days: Annotated[int, Query(ge=1, le=3650)] = 30
) -> dict[str, Any]:
    rows = await short_pick_report(pool, days, warehouse_id)
    return {"short_picks": rows, "total": len(rows)}
