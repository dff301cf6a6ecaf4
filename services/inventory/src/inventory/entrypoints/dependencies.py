"""FastAPI dependencies wiring requests to the unit of work, the command context and the read pool."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from canonical.events.factory import CommandContext
from canonical.web.identity import CurrentIdentity
from canonical.web.runtime import ServiceRuntime
from inventory.adapters.idempotency import RequestClaim
from inventory.adapters.inbound.projections import apply_party_event
from inventory.adapters.projections.catalog import apply_catalog_event
from inventory.adapters.projections.control import apply_control_event
from inventory.adapters.projections.orders import apply_orders_event
from inventory.adapters.projections.picking import apply_picking_event
from inventory.adapters.projections.receiving import apply_receiving_event
from inventory.adapters.projections.stock import apply_stock_event
from inventory.adapters.unit_of_work import PostgresUnitOfWork
from inventory.entrypoints.idempotency import CLAIM_STATE
from inventory.service_layer.unit_of_work import UnitOfWork

PROJECTORS = (
    apply_catalog_event,
    apply_stock_event,
    apply_receiving_event,
    apply_control_event,
    apply_party_event,
    apply_orders_event,
    apply_picking_event,
)


# `async def` although none of them awaits: FastAPI runs a plain `def` dependency in its thread pool,
# a thread handoff per dependency on every request.
async def unit_of_work(request: Request, identity: CurrentIdentity) -> PostgresUnitOfWork:
    """A command whose client sent X-Request-ID claims that id, so a repeat applies nothing twice."""
    runtime: ServiceRuntime = request.app.state.runtime
    claim = None
    if request.state.request_id_is_retry_key:
        claim = RequestClaim(request.state.request_id, identity.subject, request.method, request.url.path)
        setattr(request.state, CLAIM_STATE, claim)
    return PostgresUnitOfWork(runtime.pool, runtime.writer, runtime.registry, PROJECTORS, claim)


async def command_context(request: Request, identity: CurrentIdentity) -> CommandContext:
    return CommandContext(request_id=request.state.request_id, actor=identity.subject)


async def read_pool(request: Request) -> asyncpg.Pool:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime.pool


Uow = Annotated[UnitOfWork, Depends(unit_of_work)]
Context = Annotated[CommandContext, Depends(command_context)]
Pool = Annotated[asyncpg.Pool, Depends(read_pool)]
