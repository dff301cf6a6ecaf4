"""`GET /api/v1/snapshot/inventory`: a consistent, cursor-paged copy of one warehouse's stock for API tokens.

Served by the dispatcher so that `snapshot_event_id` is a place in `/api/v1/events`:
after the last page, polling `after=snapshot_event_id` yields exactly the changes
the copy does not hold.

The gateway admits only tokens with the `snapshot.inventory` endpoint scope and applies the
per-token rate limit; the checks here repeat the scope (defence in depth) and own the scan rules.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from canonical.errors import Forbidden
from canonical.identity import Identity
from canonical.web.identity import CurrentIdentity
from dispatcher.adapters.snapshot_scans import next_page, start_scan
from dispatcher.domain.snapshot_cursor import MAX_CURSOR_LENGTH, Cursor
from dispatcher.entrypoints.dependencies import Pool

SCOPE = "endpoint:snapshot.inventory"  # as the gateway names endpoint scopes in the identity
TOKEN_PREFIX = "system:wms_token:"  # noqa: S105 (the subject prefix of API tokens, not a secret)
DEFAULT_LIMIT, MAX_LIMIT = 500, 2000

router = APIRouter(tags=["snapshot"])


class EndpointScopeViolation(Forbidden):
    code = "endpoint_scope_violation"

    def __init__(self) -> None:
        super().__init__("This endpoint is for API tokens with the snapshot.inventory scope.", legacy_error=self.code)


class WarehouseScopeViolation(Forbidden):
    code = "scope_violation"

    def __init__(self) -> None:
        super().__init__("The token has no access to this warehouse.", legacy_error=self.code, field="warehouse_id")


def _check_token(identity: Identity, warehouse_id: int) -> None:
    if not identity.subject.startswith(TOKEN_PREFIX) or SCOPE not in identity.scopes:
        raise EndpointScopeViolation()
    if warehouse_id not in identity.warehouse_ids:
        raise WarehouseScopeViolation()


@router.get("/api/v1/snapshot/inventory")
async def inventory_snapshot(
    pool: Pool,
    identity: CurrentIdentity,
    warehouse_id: Annotated[int, Query(gt=0)],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
) -> dict[str, Any]:
    _check_token(identity, warehouse_id)
    if cursor is None:
        page = await start_scan(pool, identity.subject, warehouse_id, limit)
    else:
        position = Cursor.decode(cursor)
        position.check_scope(warehouse_id)
        page = await next_page(pool, identity.subject, position, limit)
    return {"snapshot_event_id": page.snapshot_event_id, "rows": page.rows, "next_cursor": page.next_cursor}
