"""The polling API `/api/v1/events` (v1.7 §4.4); the consumer groups' admin is in registry_api."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from canonical.errors import DomainError, NotFound
from canonical.events.registry import UnknownEventType
from canonical.web.identity import CurrentIdentity
from dispatcher.domain.polling import DEFAULT_PAGE, MAX_PAGE, EventScope
from dispatcher.entrypoints.dependencies import Pool, Runtime
from dispatcher.service_layer.polling import PollRequest, handle_ack, handle_poll

router = APIRouter(tags=["events"])

GroupId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


class CursorModeConflict(DomainError):
    code = "after_and_consumer_group"

    def __init__(self) -> None:
        super().__init__("Use either after or consumer_group, not both.", legacy_error="after and consumer_group")


class UnknownSchema(NotFound):
    code = "unknown_event_type_or_version"

    def __init__(self) -> None:
        super().__init__("No such event type and version.", legacy_error="unknown_event_type_or_version")


@router.get("/api/v1/events")
async def poll_events(
    identity: CurrentIdentity,
    db: Pool,
    after: Annotated[int | None, Query(ge=0)] = None,
    consumer_group: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    types: Annotated[str | None, Query(max_length=2048)] = None,
    warehouse_id: Annotated[int | None, Query(gt=0)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
) -> dict[str, Any]:
    if after is not None and consumer_group is not None:
        raise CursorModeConflict()
    event_types = None if types is None else [t.strip() for t in types.split(",") if t.strip()]
    request = PollRequest(after, consumer_group, event_types, warehouse_id, limit)
    return await handle_poll(db, EventScope.of(identity), request)


class AckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consumer_group: GroupId
    cursor: Annotated[int, Field(ge=0, le=2**63 - 1)]


@router.post("/api/v1/events/ack")
async def ack_events(body: AckIn, identity: CurrentIdentity, db: Pool) -> dict[str, Any]:
    connector = identity.extra.get("connector_id")
    return await handle_ack(
        db, EventScope.of(identity), None if connector is None else str(connector), body.consumer_group, body.cursor
    )


@router.get("/api/v1/events/types")
async def event_types(identity: CurrentIdentity, service: Runtime) -> dict[str, Any]:
    scope = EventScope.of(identity)
    catalog: dict[str, dict[str, Any]] = {}
    for event_type in service.registry.all():
        if scope.allows_type(event_type.name):
            entry = catalog.setdefault(
                event_type.name,
                {"event_type": event_type.name, "versions": [], "aggregate_type": event_type.aggregate_type},
            )
            entry["versions"].append(event_type.version)
    return {"types": list(catalog.values())}


@router.get("/api/v1/events/schema/{event_type}/{version}")
async def event_schema(event_type: str, version: int, identity: CurrentIdentity, service: Runtime) -> JSONResponse:
    # Unlike v1.7 (a gap), a schema outside the token's scope is as unknown as a missing one.
    if not EventScope.of(identity).allows_type(event_type):
        raise UnknownSchema()
    try:
        schema = service.registry.get(event_type, version).schema
    except UnknownEventType:
        raise UnknownSchema() from None
    return JSONResponse(json.loads(json.dumps(schema)), media_type="application/schema+json")
