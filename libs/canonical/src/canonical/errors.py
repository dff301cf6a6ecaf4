"""Domain errors carry a stable machine code; one handler per app renders them.

Body shape: `{"error": <text v1.7 clients display>, "code": <stable code>,
"message": <human text>, ...details}`. Sentry v1.7 put human text in `error`;
scanners show it, so it stays, and `code` is what programs should match on.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, *, legacy_error: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.legacy_error = legacy_error or message
        self.details = details

    def body(self) -> dict[str, Any]:
        return {"error": self.legacy_error, "code": self.code, "message": self.message, **self.details}


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
