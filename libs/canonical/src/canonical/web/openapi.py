"""What every service's OpenAPI document says about errors: the body they really send.

FastAPI advertises `422` with its own validation schema; the services answer bad input
with `400` and the platform's error body (`canonical.web.errors`), and any operation may
answer 401, 403, 404, 409, 429 or 503 with the same body. The document says so: `422`
becomes `400`, and every operation gets a `default` response with the error body, so a
generated client parses every error the same way.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA_NAME = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "title": ERROR_SCHEMA_NAME,
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "The v1.7 error text or code (kept for existing clients)."},
        "code": {
            "type": "string",
            "description": "Stable machine-readable code, e.g. validation_error. Absent only where v1.7's exact"
            ' body is kept (401 `{"error": "invalid_token"}`), whose `error` is then the code.',
        },
        "message": {"type": "string", "description": "What went wrong, for people."},
        "details": {"description": "Per-field problems of a validation_error, or other context."},
    },
    "additionalProperties": True,
}
_ERROR_CONTENT = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}}}
_INVALID = {"description": "The request is not valid (`validation_error`).", "content": _ERROR_CONTENT}
_ANY_OTHER = {"description": "Any other error, with a stable `code`.", "content": _ERROR_CONTENT}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def document_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Rewrite `document` in place (and return it) to declare the error responses the services send."""
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            if responses.pop("422", None) is not None:
                responses["400"] = copy.deepcopy(_INVALID)
            responses.setdefault("default", copy.deepcopy(_ANY_OTHER))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    schemas[ERROR_SCHEMA_NAME] = copy.deepcopy(ERROR_SCHEMA)
    return document


def with_documented_errors(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """An `app.openapi` that builds FastAPI's document once and declares the errors in it."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate())
        return app.openapi_schema

    return openapi
