"""Bin-to-bin move endpoint (any role, within warehouse scope)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Self

from pydantic import Field, model_validator

from canonical.web.identity import CurrentIdentity
from inventory.domain.stock.transfer import MAX_MOVE_QUANTITY, MoveStock
from inventory.entrypoints.bodies import Body
from inventory.entrypoints.dependencies import Context, Uow
from inventory.entrypoints.routers import floor_router
from inventory.entrypoints.scoping import require_access
from inventory.service_layer.stock.transfers import handle_move, in_source_warehouse

router = floor_router()


class MoveIn(Body):
    item_id: int
    from_bin_id: int
    to_bin_id: int
    quantity: Annotated[int, Field(ge=1, le=MAX_MOVE_QUANTITY)]
    reason: Annotated[str | None, Field(max_length=500)] = None
    lot_number: Annotated[str | None, Field(max_length=100)] = None

    @model_validator(mode="after")
    def _different_bins(self) -> Self:
        if self.from_bin_id == self.to_bin_id:
            raise ValueError("from_bin_id and to_bin_id must differ")
        return self


@router.post("/api/transfers/move")
async def move(body: MoveIn, identity: CurrentIdentity, uow: Uow, context: Context) -> dict[str, Any]:
    command = MoveStock(body.item_id, body.from_bin_id, body.to_bin_id, body.quantity, body.reason, body.lot_number)
    return await handle_move(command, uow, context, in_source_warehouse(partial(require_access, identity)))
