"""`POST /api/v1/inbound/{resource}` and the mapping-document schema (v1.7 paths, codes and headers)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from canonical.errors import DomainError, Forbidden
from canonical.events.factory import CommandContext
from canonical.identity import Identity
from canonical.web.identity import CurrentIdentity
from canonical.web.runtime import ServiceRuntime
from inbound.adapters.unit_of_work import SOURCE, InboundUnitOfWork
from inbound.domain.mapping.document import MappingDocument, Resource
from inbound.domain.mapping.errors import InboundError
from inbound.service_layer.records import ReceiveRecord, handle_receive
from inbound.settings import Settings

router = APIRouter(tags=["inbound"])

MODEL_HEADER = {"X-Sentry-Canonical-Model": "DRAFT-v1"}
WARNING = "The canonical model is a draft and may change at v2.0."
API_TOKEN_SUBJECT = "system:wms_token:"  # noqa: S105 (an actor prefix, not a credential)


class InboundBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=128)
    external_version: str = Field(min_length=1, max_length=64)
    source_payload: dict[str, Any]
    mapping_overrides: dict[str, Any] | None = None


class BodyTooLarge(InboundError):
    status = 413
    code = "body_too_large"


class InvalidInboundBody(InboundError):
    status = 422
    code = "validation_error"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


def _scope_violation(code: str, message: str) -> Forbidden:
    return Forbidden(message, legacy_error=code, error_kind=code)


def token_binding(identity: Identity, resource: Resource) -> str:
    """The source system the caller's API token is bound to, if it may write this resource."""
    source_system = identity.extra.get("source_system")
    resources = identity.extra.get("inbound_resources") or []
    if not identity.subject.startswith(API_TOKEN_SUBJECT) or not source_system or not resources:
        raise _scope_violation(
            "cross_direction_scope_violation", "Only API tokens bound to a source system may push records."
        )
    if resource.value not in resources:
        raise _scope_violation("inbound_resource_scope_violation", f"This token may not write {resource.value}.")
    return str(source_system)


async def read_capped_body(request: Request, limit: int) -> bytes:
    """The advertised length is checked first, then every byte actually received (chunked bodies too)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge("The request body is too large.", max_body_kb=limit // 1024)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge("The request body is too large.", max_body_kb=limit // 1024)
    return bytes(body)


def parse_body(raw: bytes) -> InboundBody:
    try:
        return InboundBody.model_validate_json(raw)
    except ValidationError as error:
        details = [{"type": e["type"], "loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors(include_url=False)]
        raise InvalidInboundBody("The request body is not valid.", details=details) from None


def unit_of_work(request: Request) -> InboundUnitOfWork:
    runtime: ServiceRuntime = request.app.state.runtime
    return InboundUnitOfWork(runtime.pool, runtime.writer, runtime.registry, source=SOURCE)


@router.post("/api/v1/inbound/{resource}")
async def receive_record(
    resource: Resource,
    request: Request,
    identity: CurrentIdentity,
    uow: Annotated[InboundUnitOfWork, Depends(unit_of_work)],
) -> JSONResponse:
    settings: Settings = request.app.state.runtime.settings
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType("Send the record as application/json.", legacy_error="unsupported_media_type")
    source_system = token_binding(identity, resource)
    try:
        body = parse_body(await read_capped_body(request, settings.max_body_bytes))
        documents: dict[str, MappingDocument] = request.app.state.mapping_documents
        command = ReceiveRecord(
            resource,
            source_system,
            identity.subject,
            body.external_id,
            body.external_version,
            body.source_payload,
            body.mapping_overrides,
        )
        context = CommandContext(request_id=request.state.request_id, actor=identity.subject)
        received = await handle_receive(command, uow, documents, context)
    except DomainError as error:
        return JSONResponse(error.body(), status_code=error.status, headers=MODEL_HEADER)
    return JSONResponse(
        {
            "inbound_id": received.inbound_id,
            "canonical_id": str(received.canonical_id),
            "canonical_type": received.canonical_type,
            "received_at": received.received_at.isoformat(),
            "warning": WARNING,
        },
        status_code=200 if received.replayed else 201,
        headers=MODEL_HEADER,
    )


@router.get("/api/v1/inbound/mapping-schema")
async def mapping_schema(_: CurrentIdentity) -> JSONResponse:
    schema = MappingDocument.model_json_schema()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Sentry WMS mapping document",
        **schema,
    }
    return JSONResponse(schema, headers={"Cache-Control": "public, max-age=300"})
