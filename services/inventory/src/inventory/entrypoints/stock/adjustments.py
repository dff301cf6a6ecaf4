"""Adjustment endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Query
from fastapi.responses import JSONResponse
from pydantic import Field, field_validator

from canonical.pagination import MAX_PER_PAGE, Page
from inventory.adapters.queries.control import list_adjustments, pending_adjustments
from inventory.domain.stock.adjustment import APPROVE, MAX_REASON_LENGTH, REJECT, DirectAdjustment
from inventory.domain.stock.ledger import MAX_QUANTITY
from inventory.entrypoints.bodies import Body
from inventory.entrypoints.dependencies import Context, Pool, Uow, unit_of_work
from inventory.entrypoints.routers import admin_router
from inventory.entrypoints.scoping import RequestedWarehouse
from inventory.service_layer.stock.adjustments import Decision, handle_direct_adjustment, handle_review
from inventory.service_layer.unit_of_work import ControlUnitOfWork

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


class DecisionIn(Body):
    adjustment_id: int
    action: Literal["approve", "reject"]


class ReviewIn(Body):
    decisions: Annotated[list[DecisionIn], Field(min_length=1, max_length=1000)]


@router.get("/api/admin/adjustments/pending")
async def pending(pool: Pool, warehouse_id: RequestedWarehouse) -> dict[str, Any]:
    return {"adjustments": await pending_adjustments(pool, warehouse_id)}


@router.post("/api/admin/adjustments/review")
async def review(
    body: ReviewIn, uow: Annotated[ControlUnitOfWork, Depends(unit_of_work)], context: Context
) -> dict[str, Any]:
    decisions = [Decision(d.adjustment_id, APPROVE if d.action == "approve" else REJECT) for d in body.decisions]
    return await handle_review(decisions, uow, context)


@router.get("/api/admin/adjustments/list")
async def adjustments(
    pool: Pool,
    warehouse_id: RequestedWarehouse,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    paging = Page(page, per_page)
    rows, total = await list_adjustments(pool, paging, warehouse_id)
    return paging.envelope("adjustments", rows, total)
