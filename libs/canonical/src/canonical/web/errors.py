"""Exception handlers: every failure becomes a JSON body with a stable code, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from canonical.errors import DomainError
from canonical.workers import INFRASTRUCTURE_ERRORS

log = logging.getLogger(__name__)


def _validation_details(error: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for item in error.errors():
        location = list(item.get("loc", ()))
        if location and location[0] in {"body", "query", "path", "header"}:
            location = location[1:]  # v1.7 reports the field path only
        details.append({"type": item.get("type"), "loc": location, "msg": item.get("msg")})
    return details


async def _domain_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    return JSONResponse(error.body(), status_code=error.status)


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return JSONResponse(
        {
            "error": "validation_error",
            "code": "validation_error",
            "message": "The request is not valid.",
            "details": _validation_details(error),
        },
        status_code=400,
    )


async def _http_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
        error.status_code, "http_error"
    )
    message = str(error.detail) if error.detail else code
    return JSONResponse(
        {"error": message, "code": code, "message": message},
        status_code=error.status_code,
        headers=getattr(error, "headers", None),
    )


def _unstorable(error: asyncpg.DataError) -> str | None:
    """Why the client's input cannot be stored, for the data errors only input causes: an integer the
    column cannot hold (asyncpg refuses to encode it) or text PostgreSQL cannot store (a NUL
    character, in a text column or in JSON). Every other data error is a server fault (None)."""
    if isinstance(error.__cause__, OverflowError):
        return "A number in the request is out of range."
    if isinstance(error, asyncpg.CharacterNotInRepertoireError | asyncpg.UntranslatableCharacterError):
        return "Text in the request contains a character that cannot be stored (NUL)."
    return None


async def _data_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, asyncpg.DataError)
    reason = _unstorable(error)
    if reason is None:
        return await _unexpected(request, error)
    return JSONResponse(
        {"error": "validation_error", "code": "validation_error", "message": reason, "details": []},
        status_code=400,
    )


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(
        {"error": "Internal server error", "code": "internal_error", "message": "Internal server error"},
        status_code=500,
    )


async def dependency_down(request: Request, error: Exception) -> JSONResponse:
    """503 with Retry-After: what a service answers while a database, broker or cache is out of reach."""
    log.warning("%s %s: dependency unavailable: %s", request.method, request.url.path, error)
    return JSONResponse(
        {
            "error": "Service temporarily unavailable",
            "code": "service_unavailable",
            "message": "A dependency of this service is unavailable; retry shortly.",
        },
        status_code=503,
        headers={"Retry-After": "1"},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(asyncpg.DataError, _data_error)
    for error_type in INFRASTRUCTURE_ERRORS:
        app.add_exception_handler(error_type, dependency_down)
    app.add_exception_handler(Exception, _unexpected)
