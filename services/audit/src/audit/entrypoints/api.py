"""HTTP routes of the audit service (ADMIN only; the gateway forwards /api/admin/audit-log)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated, Any

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from audit.adapters import checkpoint_store, queries
from audit.adapters.chain_store import first_broken_checkpoint, first_broken_entry
from audit.domain import export
from audit.domain.checkpoint import b64url, key_id, public_key_bytes
from audit.domain.query import AuditQuery, SortKey, parse_moment, range_end_exclusive, range_start
from audit.service_layer import proofs
from canonical.pagination import MAX_PER_PAGE, Page
from canonical.web.identity import AdminIdentity

PREFIX = "/api/admin/audit-log"
MAX_CSV_ROWS = 100_000
CSV_COLUMNS = (
    "log_id",
    "created_at",
    "action_type",
    "entity_type",
    "entity_id",
    "entity_name",
    "username",
    "device_id",
    "warehouse_id",
    "warehouse_code",
    "details",
)


def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.runtime.pool
    return pool


def audit_filters(
    action_type: Annotated[str | None, Query(max_length=64)] = None,
    entity_type: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Annotated[str | None, Query(max_length=256)] = None,
    user_id: Annotated[str | None, Query(max_length=256)] = None,
    warehouse_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
    sort_by: Annotated[str | None, Query(max_length=32)] = None,
    sort_direction: Annotated[str | None, Query(max_length=4)] = None,
) -> AuditQuery:
    """The filters and order shared by the JSON list and the CSV export (v1.7 names)."""
    return AuditQuery(
        action_type=action_type,
        entity_type=entity_type,
        entity_id=entity_id,
        actor=user_id,
        warehouse_id=warehouse_id,
        start=range_start(parse_moment("start_date", start_date)),
        end_before=range_end_exclusive(parse_moment("end_date", end_date)),
        sort=SortKey.parse(sort_by),
        ascending=(sort_direction or "").lower() == "asc",
    )


Filters = Annotated[AuditQuery, Depends(audit_filters)]


def audit_router(public_key: Ed25519PublicKey) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["audit"])
    key_document = {"key_id": key_id(public_key), "public_key": b64url(public_key_bytes(public_key))}

    @router.get("")
    async def list_entries(
        request: Request,
        _: AdminIdentity,
        filters: Filters,
        page: Annotated[int, Query(ge=1)] = 1,
        per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
    ) -> dict[str, Any]:
        query = replace(filters, page=Page(page, per_page))
        async with _pool(request).acquire() as connection:
            entries, total = await queries.find_entries(connection, query)
        return query.page.envelope("entries", entries, total)

    @router.get("/export.csv")
    async def export_csv(request: Request, _: AdminIdentity, query: Filters) -> StreamingResponse:
        async def lines() -> AsyncIterator[str]:
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            async for entry in queries.entries_for_csv(_pool(request), query, MAX_CSV_ROWS):
                writer.writerow({**entry, "details": json.dumps(entry["details"], sort_keys=True)})
                if buffer.tell() > 64_000:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

        return StreamingResponse(
            lines(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
        )

    @router.get("/export")
    async def export_for_verifier(request: Request, _: AdminIdentity) -> StreamingResponse:
        """JSON lines for `python -m audit.verify` (domain/export.py): every row, each checkpoint after its last row."""
        async with _pool(request).acquire() as connection:
            size = await checkpoint_store.committed_log_size(connection)
            checkpoints = await checkpoint_store.checkpoints_up_to(connection, size)

        async def lines() -> AsyncIterator[str]:
            pending = list(checkpoints)
            async for entry in queries.stored_entries(_pool(request), size):
                yield export.entry_line(entry)
                while pending and pending[0].tree_size <= entry.log_id:
                    yield export.checkpoint_line(pending.pop(0))
            # Checkpoints past the last row still present (rows deleted at the end) are exported
            # too: the verifier then sees the log is shorter than what was signed.
            for checkpoint in pending:
                yield export.checkpoint_line(checkpoint)

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @router.get("/checkpoints/latest")
    async def latest_checkpoint(request: Request, _: AdminIdentity) -> dict[str, Any]:
        async with _pool(request).acquire() as connection:
            checkpoint = await proofs.latest_checkpoint(connection)
        return {**checkpoint.to_json(), "public_key": key_document["public_key"]}

    @router.get("/public-key")
    async def public_key_of_checkpoints(_: AdminIdentity) -> dict[str, str]:
        return key_document

    @router.get("/proofs/inclusion")
    async def inclusion(
        request: Request,
        _: AdminIdentity,
        log_id: Annotated[int, Query(ge=1)],
        tree_size: Annotated[int | None, Query(ge=1)] = None,
    ) -> dict[str, Any]:
        async with _pool(request).acquire() as connection, connection.transaction(isolation="repeatable_read"):
            return await proofs.prove_inclusion(connection, log_id, tree_size)

    @router.get("/proofs/consistency")
    async def consistency(
        request: Request,
        _: AdminIdentity,
        first: Annotated[int, Query(ge=1)],
        second: Annotated[int | None, Query(ge=1)] = None,
    ) -> dict[str, Any]:
        async with _pool(request).acquire() as connection, connection.transaction(isolation="repeatable_read"):
            return await proofs.prove_consistency(connection, first, second)

    @router.get("/verify")
    async def verify(request: Request, _: AdminIdentity) -> dict[str, Any]:
        """The database's own view (chain and checkpoint anchoring); signatures need the offline verifier."""
        async with _pool(request).acquire() as connection:
            entry = await first_broken_entry(connection)
            checkpoint = await first_broken_checkpoint(connection)
        return {
            "intact": entry is None and checkpoint is None,
            "first_bad_log_id": entry,
            "first_bad_checkpoint": checkpoint,
        }

    return router
