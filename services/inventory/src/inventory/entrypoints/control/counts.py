"""Cycle counts: scanners open and submit them; admins review the latest."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends
from pydantic import Field

from canonical.web.identity import CurrentIdentity
from inventory.adapters.queries.control import blind, count_detail, recent_counts
from inventory.adapters.queries.settings import effective_settings
from inventory.domain.counts.cycle_count import CountedLine
from inventory.domain.stock.ledger import MAX_QUANTITY
from inventory.entrypoints.bodies import Body
from inventory.entrypoints.dependencies import Context, Pool, unit_of_work
from inventory.entrypoints.routers import admin_router, floor_router
from inventory.entrypoints.scoping import RequestedWarehouse, require_access
from inventory.service_layer.counts.cycle_counts import CountNotFound, handle_create_counts, handle_submit_count
from inventory.service_layer.unit_of_work import ControlUnitOfWork

router = floor_router()
admin = admin_router()

ControlUow = Annotated[ControlUnitOfWork, Depends(unit_of_work)]


class CreateCountsIn(Body):
    warehouse_id: int
    bin_ids: Annotated[list[int], Field(min_length=1, max_length=500)]


class CountLineIn(Body):
    count_line_id: int | None = None
    counted_quantity: Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
    unexpected: bool = False
    item_id: int | None = None
    sku: Annotated[str | None, Field(max_length=128)] = None


class SubmitCountIn(Body):
    count_id: int
    lines: Annotated[list[CountLineIn], Field(min_length=1, max_length=5000)]


@router.post("/api/inventory/cycle-count/create")
async def create_counts(body: CreateCountsIn, uow: ControlUow, context: Context) -> dict[str, Any]:
    return await handle_create_counts(body.warehouse_id, body.bin_ids, uow, context)


@router.get("/api/inventory/cycle-count/{count_id}")
async def read_count(count_id: int, pool: Pool, identity: CurrentIdentity) -> dict[str, Any]:
    found = await count_detail(pool, count_id)
    if found is None:
        raise CountNotFound()
    warehouse_id = found["cycle_count"]["warehouse_id"]
    require_access(identity, warehouse_id)
    show_expected = (await effective_settings(pool, warehouse_id)).flag("count_show_expected")
    # Blind counting is enforced here, not left to the client (a v1.7 leak).
    lines = found["lines"] if show_expected else blind(found["lines"])
    return {"cycle_count": found["cycle_count"], "show_expected": show_expected, "lines": lines}


@router.post("/api/inventory/cycle-count/submit")
async def submit_count(
    body: SubmitCountIn, uow: ControlUow, context: Context, identity: CurrentIdentity
) -> dict[str, Any]:
    lines = [
        CountedLine(line.counted_quantity, line.count_line_id, line.unexpected, line.item_id) for line in body.lines
    ]
    return await handle_submit_count(body.count_id, lines, uow, context, partial(require_access, identity))


@admin.get("/api/admin/cycle-counts")
async def admin_counts(pool: Pool, warehouse_id: RequestedWarehouse) -> dict[str, Any]:
    return {"cycle_counts": await recent_counts(pool, warehouse_id)}
