"""Admin views of the inbound service: the source-system allow-list and the activity log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from canonical.errors import NotFound
from canonical.events.factory import CommandContext
from canonical.identity import Identity
from canonical.web.identity import AdminIdentity
from inbound.adapters.activity import counters_by_source, one_record, recent_activity
from inbound.adapters.unit_of_work import InboundUnitOfWork
from inbound.domain.mapping.document import Resource
from inbound.domain.source_systems import SourceKind
from inbound.entrypoints.inbound_api import InboundId, unit_of_work
from inbound.service_layer.source_systems import allowlist, remove_from_allowlist

router = APIRouter(tags=["inbound admin"])

UnitOfWork = Annotated[InboundUnitOfWork, Depends(unit_of_work)]


class NewSourceSystem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_system: str = Field(min_length=1, max_length=64)
    kind: SourceKind
    notes: str | None = Field(default=None, max_length=1000)


def _context(request: Request, identity: Identity) -> CommandContext:
    return CommandContext(request_id=request.state.request_id, actor=identity.subject)


@router.get("/api/admin/inbound/source-systems")
async def list_source_systems(request: Request, _: AdminIdentity, uow: UnitOfWork) -> dict[str, Any]:
    async with uow:
        return {"source_systems": await uow.source_systems.listing()}


@router.post("/api/admin/inbound/source-systems", status_code=201)
async def add_source_system(
    body: NewSourceSystem, request: Request, identity: AdminIdentity, uow: UnitOfWork
) -> JSONResponse:
    await allowlist(uow, body.source_system, body.kind, body.notes, _context(request, identity))
    return JSONResponse(
        {**body.model_dump(mode="json"), "note": "Add its mapping document and restart the inbound service."},
        status_code=201,
    )


@router.delete("/api/admin/inbound/source-systems/{name}", status_code=204)
async def delete_source_system(name: str, request: Request, identity: AdminIdentity, uow: UnitOfWork) -> Response:
    await remove_from_allowlist(uow, name, _context(request, identity))
    return Response(status_code=204)


@router.get("/api/admin/inbound/activity")
async def activity(
    request: Request,
    _: AdminIdentity,
    source_system: str | None = None,
    resource: Resource | None = None,
    status: Literal["applied", "superseded"] | None = None,
    apply_state: Literal["pending", "applied", "rejected"] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    entries = await recent_activity(
        request.app.state.runtime.pool,
        source_system=source_system,
        resource=resource.value if resource else None,
        status=status,
        apply_state=apply_state,
        since=since,
        until=until,
        limit=limit,
    )
    return {"entries": entries}


@router.get("/api/admin/inbound/counters")
async def counters(request: Request, _: AdminIdentity, since: datetime | None = None) -> dict[str, Any]:
    """What the admin UI shows per source system: received, superseded, and pending/applied/rejected."""
    return {"source_systems": await counters_by_source(request.app.state.runtime.pool, since)}


@router.get("/api/admin/inbound/activity/{resource}/{inbound_id}")
async def activity_detail(
    request: Request, _: AdminIdentity, resource: Resource, inbound_id: InboundId
) -> dict[str, Any]:
    record = await one_record(request.app.state.runtime.pool, resource.value, inbound_id)
    if record is None:
        raise NotFound(f"No {resource.value} record {inbound_id}.", legacy_error="not_found")
    return record
