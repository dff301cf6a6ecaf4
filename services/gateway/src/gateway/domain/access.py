"""Edge authorization rules: forced password change, admin paths, scanner functions, warehouse scope."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gateway.domain.errors import (
    AdminRequired,
    FunctionNotAllowed,
    InvalidWarehouseId,
    PasswordChangeRequired,
    WarehouseDenied,
    WarehouseMismatch,
)
from gateway.domain.users import User

# Matched on exact paths (not prefixes), so no query string or suffix slips a pending user through.
ALLOWED_DURING_FORCED_CHANGE = frozenset({"/api/auth/change-password", "/api/auth/logout", "/api/auth/me"})

# Scanner operations by path prefix -> the module a non-admin must be allowed to use.
FUNCTION_BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("/api/receiving", "receive"),
    ("/api/putaway", "putaway"),
    ("/api/picking", "pick"),
    ("/api/packing", "pack"),
    ("/api/shipping", "ship"),
    ("/api/inventory/count", "count"),
    ("/api/inventory/cycle-count", "count"),
    ("/api/transfers", "transfer"),
)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def function_for_path(path: str) -> str | None:
    for prefix, function in FUNCTION_BY_PREFIX:
        if _under(path, prefix):
            return function
    return None


def check_forced_change(user: User, path: str) -> None:
    if user.must_change_password and path not in ALLOWED_DURING_FORCED_CHANGE:
        raise PasswordChangeRequired(
            "You must change your password before continuing.", legacy_error="password_change_required"
        )


def check_admin_path(user: User, path: str) -> None:
    if _under(path, "/api/admin") and not user.is_admin:
        raise AdminRequired("This action needs the ADMIN role.", legacy_error="Forbidden")


def check_function(user: User, path: str) -> None:
    function = function_for_path(path)
    if function is not None and not user.is_admin and function not in user.allowed_functions:
        raise FunctionNotAllowed(f"Your account may not use '{function}'.", function=function)


def requested_warehouse(sources: dict[str, Iterable[Any]]) -> int | None:
    """The one warehouse a request names across its sources (query, body), or None when it names none.

    v1.7 rule (V-033): every value must be an integer and all sources must agree,
    or a caller could pass the check with one value and act on another.
    """
    found: dict[str, int] = {}
    for source, values in sources.items():
        for value in values:
            if value is None:  # an explicit null names no warehouse
                continue
            if isinstance(value, bool):
                raise InvalidWarehouseId("Invalid warehouse_id", legacy_error="Invalid warehouse_id")
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise InvalidWarehouseId("Invalid warehouse_id", legacy_error="Invalid warehouse_id") from None
            if isinstance(value, float) and value != number:
                raise InvalidWarehouseId("Invalid warehouse_id", legacy_error="Invalid warehouse_id")
            if source in found and found[source] != number:
                raise WarehouseMismatch(
                    "warehouse_id mismatch across request", sources={source: [found[source], number]}
                )
            found[source] = number
    distinct = set(found.values())
    if len(distinct) > 1:
        raise WarehouseMismatch("warehouse_id mismatch across request", sources=found)
    return distinct.pop() if distinct else None


def check_warehouse(user: User, warehouse_id: int | None) -> None:
    if warehouse_id is not None and not user.is_admin and warehouse_id not in user.warehouse_ids:
        raise WarehouseDenied("Access denied for this warehouse", legacy_error="Access denied for this warehouse")
