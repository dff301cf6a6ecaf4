"""Warehouse scoping (v1.7 A.2): one warehouse per request, and USER callers only inside their own.

The warehouse id may come from the path, the query string and the JSON body;
they must agree. Admins reach every warehouse; other roles only those the
gateway lists in their identity.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from canonical.errors import DomainError, Forbidden
from canonical.identity import Identity
from canonical.web.identity import CurrentIdentity

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class InvalidWarehouseId(DomainError):
    code = "invalid_warehouse_id"


class WarehouseMismatch(DomainError):
    code = "warehouse_id_mismatch"


class WarehouseAccessDenied(Forbidden):
    code = "warehouse_access_denied"

    def __init__(self, warehouse_id: int) -> None:
        super().__init__(
            f"This account has no access to warehouse {warehouse_id}.", legacy_error="Access denied for this warehouse"
        )


def _as_id(value: Any) -> int:
    if isinstance(value, bool):
        raise InvalidWarehouseId("warehouse_id must be an integer.", legacy_error="Invalid warehouse_id")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise InvalidWarehouseId("warehouse_id must be an integer.", legacy_error="Invalid warehouse_id")


async def _body_warehouse_id(request: Request) -> Any:
    if request.method not in _BODY_METHODS or "json" not in request.headers.get("content-type", ""):
        return None
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None  # the body's own validation reports it
    return body.get("warehouse_id") if isinstance(body, dict) else None


async def requested_warehouse(request: Request, identity: CurrentIdentity) -> int | None:
    sources: dict[str, Any] = {
        "path": request.path_params.get("warehouse_id"),
        "query": request.query_params.get("warehouse_id"),
        "body": await _body_warehouse_id(request),
    }
    found = {source: _as_id(value) for source, value in sources.items() if value is not None}
    if len(set(found.values())) > 1:
        raise WarehouseMismatch(
            "The request names different warehouses.",
            legacy_error="warehouse_id mismatch across request",
            sources=found,
        )
    warehouse_id = next(iter(found.values()), None)
    if warehouse_id is not None:
        require_access(identity, warehouse_id)
    return warehouse_id


def require_access(identity: Identity, warehouse_id: int) -> None:
    """The post-load check: for records whose warehouse is only known once they are read."""
    if not identity.may_access_warehouse(warehouse_id):
        raise WarehouseAccessDenied(warehouse_id)


RequestedWarehouse = Annotated[int | None, Depends(requested_warehouse)]


def visible_warehouses(identity: Identity) -> tuple[int, ...] | None:
    """The warehouses a caller may see; None for admins, who see them all."""
    return None if identity.is_admin else identity.warehouse_ids
