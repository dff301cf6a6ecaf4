"""Admin inter-warehouse transfer: both sides at once, no stock in transit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse
from pydantic import Field

from inventory.adapters.queries.stock import inter_warehouse_transfers
from inventory.domain.stock.transfer import MAX_MOVE_QUANTITY, MoveStock
from inventory.entrypoints.bodies import Body
from inventory.entrypoints.dependencies import Context, Pool, Uow
from inventory.entrypoints.routers import admin_router
from inventory.service_layer.stock.transfers import handle_inter_warehouse_transfer

router = admin_router()


class InterWarehouseIn(Body):
    item_id: int
    from_bin_id: int
    from_warehouse_id: int
    to_bin_id: int
    to_warehouse_id: int
    quantity: Annotated[int, Field(ge=1, le=MAX_MOVE_QUANTITY)]
    reason: Annotated[str, Field(max_length=500)] | None = None


@router.post("/api/admin/inter-warehouse-transfer", status_code=201)
async def transfer(body: InterWarehouseIn, uow: Uow, context: Context) -> JSONResponse:
    command = MoveStock(body.item_id, body.from_bin_id, body.to_bin_id, body.quantity, body.reason)
    done = await handle_inter_warehouse_transfer(command, body.from_warehouse_id, body.to_warehouse_id, uow, context)
    return JSONResponse(done, status_code=201)


@router.get("/api/admin/inter-warehouse-transfers")
async def list_transfers(pool: Pool, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    return {"transfers": await inter_warehouse_transfers(pool, limit)}
