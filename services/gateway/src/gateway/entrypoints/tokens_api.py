"""/api/admin/tokens: issue, list, rotate, revoke, delete API tokens; /api/admin/scope-catalog."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.adapters.upstreams import UpstreamTimeout, UpstreamUnavailable
from gateway.domain.api_tokens import ENDPOINT_SLUGS, INBOUND_RESOURCES, ApiToken, TokenScope
from gateway.entrypoints.context import Admin, Wiring, command_context
from gateway.service_layer import api_tokens
from gateway.service_layer.api_tokens import Minted

router = APIRouter(tags=["api tokens"])

TokenId = Annotated[int, Path(ge=1, le=2**62)]
Name = Annotated[str, Field(min_length=1, max_length=128)]


class IssueTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token_name: Name
    warehouse_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(default_factory=list, max_length=1000)
    event_types: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(default_factory=list, max_length=64)
    endpoints: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default_factory=list, max_length=64)
    connector_id: str | None = Field(default=None, min_length=1, max_length=64)
    expires_at: AwareDatetime | None = None
    source_system: str | None = Field(default=None, min_length=1, max_length=64)
    inbound_resources: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=16
    )
    mapping_override: bool = False


def _listed(token: ApiToken, now: datetime) -> dict[str, Any]:
    return {
        "token_id": token.token_id,
        "token_name": token.token_name,
        **token.scope.described(),
        "status": token.status,
        "created_at": token.created_at.isoformat(),
        "rotated_at": token.rotated_at.isoformat(),
        "expires_at": token.expires_at.isoformat(),
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "rotation_status": token.rotation_status(now),
    }


def _minted(minted: Minted) -> dict[str, Any]:
    token = minted.token
    return {
        "token_id": token.token_id,
        "token_name": token.token_name,
        "token": minted.plaintext,
        "status": token.status,
        "created_at": token.created_at.isoformat(),
        "rotated_at": token.rotated_at.isoformat(),
        "expires_at": token.expires_at.isoformat(),
    }


@router.post("/api/admin/tokens", status_code=201)
async def issue(body: IssueTokenIn, request: Request, who: Admin, wiring: Wiring) -> JSONResponse:
    scope = TokenScope(
        warehouse_ids=tuple(dict.fromkeys(body.warehouse_ids)),
        event_types=tuple(dict.fromkeys(body.event_types)),
        endpoints=tuple(dict.fromkeys(body.endpoints)),
        connector_id=body.connector_id,
        source_system=body.source_system,
        inbound_resources=tuple(dict.fromkeys(body.inbound_resources)),
        mapping_override=body.mapping_override,
    )
    minted = await api_tokens.issue_token(
        wiring.unit_of_work(),
        wiring.inventory,
        wiring.inbound,
        wiring.token_keys,
        wiring.event_type_names(),
        body.token_name,
        scope,
        body.expires_at,
        command_context(request, who),
    )
    return JSONResponse(_minted(minted), status_code=201)


@router.get("/api/admin/tokens")
async def list_tokens(_: Admin, wiring: Wiring) -> dict[str, Any]:
    async with wiring.unit_of_work() as uow:
        tokens = await uow.tokens.all()
    now = datetime.now(UTC)
    return {"tokens": [_listed(t, now) for t in tokens]}


@router.post("/api/admin/tokens/{token_id}/rotate")
async def rotate(token_id: TokenId, request: Request, who: Admin, wiring: Wiring) -> dict[str, Any]:
    minted = await api_tokens.rotate_token(
        wiring.unit_of_work(), wiring.inbound, wiring.token_keys, token_id, command_context(request, who)
    )
    return _minted(minted)


@router.post("/api/admin/tokens/{token_id}/revoke")
async def revoke(token_id: TokenId, request: Request, who: Admin, wiring: Wiring) -> dict[str, Any]:
    token = await api_tokens.revoke_token(
        wiring.unit_of_work(), wiring.token_keys, token_id, command_context(request, who)
    )
    return _listed(token, datetime.now(UTC))


@router.delete("/api/admin/tokens/{token_id}", status_code=204)
async def delete(token_id: TokenId, request: Request, who: Admin, wiring: Wiring) -> Response:
    await api_tokens.delete_token(wiring.unit_of_work(), wiring.token_keys, token_id, command_context(request, who))
    return Response(status_code=204)


@router.get("/api/admin/scope-catalog")
async def scope_catalog(_: Admin, wiring: Wiring) -> dict[str, Any]:
    """Pick-lists for the token form; with inbound down the source systems are empty and flagged, not a 503."""
    try:
        source_systems, available = await wiring.inbound.listing(), True
    except (UpstreamUnavailable, UpstreamTimeout):
        source_systems, available = [], False
    return {
        "event_types": sorted(wiring.event_type_names()),
        "endpoints": list(ENDPOINT_SLUGS),
        "inbound_resources": list(INBOUND_RESOURCES),
        "source_systems": source_systems,
        "source_systems_available": available,
    }
