"""FastAPI dependencies wiring requests to the unit of work and the command context."""

from __future__ import annotations

from fastapi import Request

from canonical.events.factory import CommandContext
from canonical.web.identity import CurrentIdentity
from canonical.web.runtime import ServiceRuntime
from inventory.adapters.projections.catalog import apply_catalog_event
from inventory.adapters.unit_of_work import PostgresUnitOfWork

PROJECTORS = (apply_catalog_event,)


def unit_of_work(request: Request) -> PostgresUnitOfWork:
    runtime: ServiceRuntime = request.app.state.runtime
    return PostgresUnitOfWork(runtime.pool, runtime.writer, runtime.registry, PROJECTORS)


def command_context(request: Request, identity: CurrentIdentity) -> CommandContext:
    return CommandContext(request_id=request.state.request_id, actor=identity.subject)
