"""`POST /api/admin/import/{entity_type}`: bulk import of items, bins, purchase and sales orders.

The body is JSON `{records: [...], warehouse_id?, dry_run?}` (records may also sit under the
entity type's key, as v1.7 allowed), JSON `{csv: "<text>"}`, or a raw `text/csv` body. v1.7's
unknown-key tolerance applies here: this route does not use the strict body validator.

A 5000-row import takes tens of seconds, near the gateway's upstream timeout: with
`?background=true` it answers 202 with a job id at once and runs on; `GET
/api/admin/import/jobs/{job_id}` tells how far it has got, then its result.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ValidationError

from canonical.errors import DomainError, NotFound
from canonical.events.factory import CommandContext
from canonical.web.runtime import ServiceRuntime
from inventory.adapters.queries.import_jobs import create_job, finish_job, job, record_progress
from inventory.adapters.unit_of_work import PostgresUnitOfWork
from inventory.domain.imports import TEMPLATES, InvalidImport, RowRejected, check_entity_type, parse_csv
from inventory.entrypoints.bodies import iso_dates
from inventory.entrypoints.catalog.bins import CreateBinIn
from inventory.entrypoints.catalog.items import CreateItemIn
from inventory.entrypoints.dependencies import PROJECTORS, Context, Pool, unit_of_work
from inventory.entrypoints.orders.sales_orders import CreateSalesOrderIn
from inventory.entrypoints.receiving.purchase_orders import CreatePurchaseOrderIn
from inventory.entrypoints.routers import admin_router
from inventory.entrypoints.scoping import RequestedWarehouse
from inventory.service_layer.imports.bulk import Prepared, Validate, handle_import, prepare_import
from inventory.service_layer.unit_of_work import ImportUnitOfWork

router = admin_router()
log = logging.getLogger(__name__)
_RUNNING: set[asyncio.Task[None]] = set()  # background imports, held so they are not collected mid-run

ImportUow = Annotated[ImportUnitOfWork, Depends(unit_of_work)]


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


def _validator(
    model: type[BaseModel], exclude: frozenset[str] = frozenset()
) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """Check a row exactly as the API checks the same object's body; a failure skips the row."""

    def validate(values: Mapping[str, Any]) -> dict[str, Any]:
        try:
            checked = model.model_validate(dict(values)).model_dump(exclude=set(exclude))
        except ValidationError as invalid:
            first = invalid.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise RowRejected(f"{where}: {first['msg']}" if where else str(first["msg"])) from None
        return iso_dates(checked)

    return validate


VALIDATORS: dict[str, Validate] = {
    "items": _validator(CreateItemIn),
    "bins": _validator(CreateBinIn),
    "purchase-orders": _validator(CreatePurchaseOrderIn, frozenset({"lines"})),
    "sales-orders": _validator(CreateSalesOrderIn, frozenset({"lines"})),
}


async def _payload(request: Request, entity_type: str) -> tuple[Any, bool]:
    """(the records, dry_run asked in the body)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if media == "text/csv":
        try:
            return parse_csv(raw.decode("utf-8-sig")), False
        except UnicodeDecodeError:
            raise InvalidImport("The CSV must be UTF-8 text.") from None
    if media != "application/json":
        raise UnsupportedMediaType("Send JSON records or a text/csv body.", legacy_error="unsupported_media_type")
    try:
        body = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidImport("The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InvalidImport("The body must be a JSON object.", legacy_error="No records provided")
    dry_run = body.get("dry_run") is True
    if isinstance(body.get("csv"), str):
        return parse_csv(body["csv"]), dry_run
    return body.get("records", body.get(entity_type)), dry_run


@router.post("/api/admin/import/{entity_type}")
async def bulk_import(
    entity_type: str,
    request: Request,
    uow: ImportUow,
    context: Context,
    warehouse_id: RequestedWarehouse,
    dry_run: bool = False,
    background: bool = False,
) -> JSONResponse:
    check_entity_type(entity_type)
    records, asked_dry_run = await _payload(request, entity_type)
    prepared = prepare_import(entity_type, records)
    validate = VALIDATORS[entity_type]
    dry_run = dry_run or asked_dry_run
    if not background:
        return JSONResponse(await handle_import(prepared, validate, warehouse_id, uow, context, dry_run=dry_run))
    runtime: ServiceRuntime = request.app.state.runtime
    job_id = str(uuid.uuid4())
    await create_job(runtime.pool, job_id, entity_type, context.actor, prepared.total)
    task = asyncio.create_task(_run_job(runtime, job_id, prepared, validate, warehouse_id, context, dry_run))
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    body = {"job_id": job_id, "status": "running", "total": prepared.total, "processed": 0}
    return JSONResponse(body, status_code=202)


async def _run_job(
    runtime: ServiceRuntime,
    job_id: str,
    prepared: Prepared,
    validate: Validate,
    warehouse_id: int | None,
    context: CommandContext,
    dry_run: bool,
) -> None:
    async def progress(done: int, total: int) -> None:
        await record_progress(runtime.pool, job_id, done)

    uow = PostgresUnitOfWork(runtime.pool, runtime.writer, runtime.registry, PROJECTORS)
    try:
        result = await handle_import(prepared, validate, warehouse_id, uow, context, dry_run=dry_run, progress=progress)
    except DomainError as refused:
        await finish_job(runtime.pool, job_id, "failed", refused.body())
    except Exception:
        log.exception("background import %s failed", job_id)
        await finish_job(runtime.pool, job_id, "failed", {"error": "Internal server error", "code": "internal_error"})
    else:
        await record_progress(runtime.pool, job_id, prepared.total)
        await finish_job(runtime.pool, job_id, "done", result)


@router.get("/api/admin/import/jobs/{job_id}")
async def import_job(job_id: uuid.UUID, pool: Pool) -> dict[str, Any]:
    found = await job(pool, str(job_id))
    if found is None:
        raise NotFound("Import job not found.", legacy_error="Import job not found")
    return found


@router.get("/api/admin/import/{entity_type}/template")
async def template(entity_type: str) -> PlainTextResponse:
    """The CSV header the admin UI offers, so a spreadsheet export imports as it is."""
    check_entity_type(entity_type)
    return PlainTextResponse(
        TEMPLATES[entity_type] + "\n",
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="import-{entity_type}.csv"'},
    )
