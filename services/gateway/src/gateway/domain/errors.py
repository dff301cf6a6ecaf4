"""The gateway's stable error codes (v1.7 texts kept in `error` where clients display them)."""

from __future__ import annotations

from canonical.errors import Conflict, DomainError, Forbidden, NotFound, Unauthorized


class WeakPassword(DomainError):
    code = "weak_password"


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"


class RateLimited(TooManyAttempts):
    """A machine token over its route's per-minute quota (the global per-address limit answers the same code)."""

    code = "rate_limited"


class PasswordChangeRequired(Forbidden):
    code = "password_change_required"


class CurrentPasswordIncorrect(Forbidden):
    # 403, not 401: the scanner app logs out on any 401.
    code = "current_password_incorrect"


class SessionInvalid(Unauthorized):
    code = "session_invalid"


class CsrfRejected(Forbidden):
    code = "csrf_invalid"


class AdminRequired(Forbidden):
    code = "forbidden"


class FunctionNotAllowed(Forbidden):
    code = "function_not_allowed"


class WarehouseDenied(Forbidden):
    code = "warehouse_access_denied"


class InvalidWarehouseId(DomainError):
    code = "invalid_warehouse_id"


class WarehouseMismatch(DomainError):
    code = "warehouse_id_mismatch"


class UserNotFound(NotFound):
    code = "user_not_found"


class DuplicateUsername(DomainError):
    code = "duplicate_username"


class UnknownWarehouses(DomainError):
    code = "unknown_warehouse_ids"


class InvalidUserChange(DomainError):
    code = "invalid_user_change"


class LastAdmin(DomainError):
    code = "last_admin"


class StaleUser(Conflict):
    code = "concurrent_update"
