"""Adjustment endpoints."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi.responses import JSONResponse
from pydantic import Field, field_validator

from inventory.domain.stock.adjustment import MAX_REASON_LENGTH, DirectAdjustment
from inventory.domain.stock.ledger import MAX_QUANTITY
from inventory.entrypoints.bodies import Body
from inventory.entrypoints.dependencies import Context, Uow
from inventory.entrypoints.routers import admin_router
from inventory.service_layer.stock.adjustments import handle_direct_adjustment

router = admin_router()


class DirectAdjustmentIn(Body):
    warehouse_id: int
    bin_id: int
    item_id: int
    adjustment_type: Literal["ADD", "REMOVE"]
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
    reason: Annotated[str, Field(min_length=1, max_length=MAX_REASON_LENGTH)]
    lot_number: Annotated[str | None, Field(max_length=100)] = None

    @field_validator("adjustment_type", mode="before")
    @classmethod
    def _case_insensitive(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


@router.post("/api/admin/adjustments/direct", status_code=201)
async def direct_adjustment(body: DirectAdjustmentIn, uow: Uow, context: Context) -> JSONResponse:
    command = DirectAdjustment(
        body.warehouse_id, body.bin_id, body.item_id, body.adjustment_type, body.quantity, body.reason, body.lot_number
    )
    return JSONResponse(await handle_direct_adjustment(command, uow, context), status_code=201)
