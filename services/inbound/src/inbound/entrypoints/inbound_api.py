"""`POST /api/v1/inbound/{resource}` and the mapping-document schema (v1.7 paths, codes and headers)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from canonical.errors import DomainError, Forbidden, NotFound
from canonical.events.factory import CommandContext
from canonical.identity import Identity
from canonical.web.identity import CurrentIdentity
from canonical.web.runtime import ServiceRuntime
from inbound.adapters.apply_state import RecordStatus, record_status
from inbound.adapters.apply_waiters import ApplyWaiters
from inbound.adapters.unit_of_work import SOURCE, InboundUnitOfWork
from inbound.domain.mapping.document import MappingDocument, Resource
from inbound.domain.mapping.errors import InboundError
from inbound.service_layer.records import Received, ReceiveRecord, handle_receive
from inbound.settings import Settings

router = APIRouter(tags=["inbound"])

MODEL_HEADER = {"X-Sentry-Canonical-Model": "DRAFT-v1"}
WARNING = "The canonical model is a draft and may change at v2.0."
API_TOKEN_SUBJECT = "system:wms_token:"  # noqa: S105 (an actor prefix, not a credential)
InboundId = Annotated[int, Path(ge=1, le=2**63 - 1)]


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


class RejectedOnApply(InboundError):
    """Accepted and staged, but the owning service refused to apply it (the record stays visible as rejected)."""

    status = 422
    code = "rejected_on_apply"


def inbound_resources(identity: Identity) -> list[str]:
    """The resources the caller's API token may write (`extra.inbound_resources`, docs/platform-contract.md)."""
    return [str(resource) for resource in identity.extra.get("inbound_resources") or ()]


def token_binding(identity: Identity, resource: Resource) -> str:
    """The source system the caller's API token is bound to, if it may write this resource."""
    source_system = identity.extra.get("source_system")
    resources = inbound_resources(identity)
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


async def unit_of_work(request: Request) -> InboundUnitOfWork:  # async: no thread-pool hop per request
    runtime: ServiceRuntime = request.app.state.runtime
    return InboundUnitOfWork(runtime.pool, runtime.writer, runtime.registry, source=SOURCE)


# The body is read by hand (size cap before parsing, 415 before 422), so FastAPI cannot see it: the
# document declares it, for clients and for the fuzz test, which otherwise sends none.
_RECORD_BODY = {"required": True, "content": {"application/json": {"schema": InboundBody.model_json_schema()}}}


@router.post("/api/v1/inbound/{resource}", openapi_extra={"requestBody": _RECORD_BODY})
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
    answer = _answer(received, resource.value)
    if received.replayed:
        replayed = await record_status(request.app.state.runtime.pool, received.inbound_id)
        state = {"apply_state": replayed.apply_state} if replayed is not None else {}
        return JSONResponse({**answer, **state}, status_code=200, headers=MODEL_HEADER)
    if prefers_async(request.headers.get("prefer", "")):
        return _pending(answer, {"Preference-Applied": "respond-async"})
    waiters: ApplyWaiters = request.app.state.apply_waiters
    outcome = await waiters.outcome(
        request.app.state.runtime.pool, received.inbound_id, settings.inbound_apply_wait_ms / 1000
    )
    if outcome.apply_state == "rejected" and outcome.status is not None:
        return _rejected(answer, outcome.status)
    if outcome.apply_state != "applied":
        return _pending(answer)
    return JSONResponse({**answer, "apply_state": "applied"}, status_code=201, headers=MODEL_HEADER)


def status_url(resource: str, inbound_id: int) -> str:
    return f"/api/v1/inbound/{resource}/{inbound_id}"


def prefers_async(prefer: str) -> bool:
    """RFC 7240: `Prefer: respond-async` (possibly among other preferences) asks for a 202 at once."""
    return any(part.split(";", 1)[0].strip().lower() == "respond-async" for part in prefer.split(","))


def _answer(received: Received, resource: str) -> dict[str, Any]:
    return {
        "inbound_id": received.inbound_id,
        "canonical_id": str(received.canonical_id),
        "canonical_type": received.canonical_type,
        "received_at": received.received_at.isoformat(),
        "status_url": status_url(resource, received.inbound_id),
        "warning": WARNING,
    }


def _pending(answer: dict[str, Any], extra_headers: dict[str, str] | None = None) -> JSONResponse:
    """Staged and announced; the owning service has not applied it yet: poll the status URL."""
    headers = {**MODEL_HEADER, "Location": answer["status_url"], **(extra_headers or {})}
    return JSONResponse({**answer, "apply_state": "pending"}, status_code=202, headers=headers)


def _rejected(answer: dict[str, Any], status: RecordStatus) -> JSONResponse:
    error = RejectedOnApply(
        f"The record was staged but could not be applied: {status.apply_error_message}",
        reason=status.apply_error_code,
        **{k: answer[k] for k in ("inbound_id", "canonical_id", "canonical_type", "status_url")},
    )
    return JSONResponse(error.body(), status_code=error.status, headers=MODEL_HEADER)


@router.get("/api/v1/inbound/{resource}/{inbound_id}")
async def inbound_record_status(
    resource: Resource, inbound_id: InboundId, request: Request, identity: CurrentIdentity
) -> JSONResponse:
    """Where a record stands; only its own source system's tokens (for that resource) may ask."""
    source_system = token_binding(identity, resource)
    status = await record_status(request.app.state.runtime.pool, inbound_id)
    if status is None or status.resource != resource.value or status.source_system != source_system:
        raise NotFound(f"No {resource.value} record {inbound_id}.", legacy_error="not_found")
    return JSONResponse(status.public(), headers=MODEL_HEADER)


@router.get("/api/v1/inbound/mapping-schema")
async def mapping_schema(_: CurrentIdentity) -> JSONResponse:
    schema = MappingDocument.model_json_schema()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Sentry WMS mapping document",
        **schema,
    }
    return JSONResponse(schema, headers={"Cache-Control": "public, max-age=300"})
