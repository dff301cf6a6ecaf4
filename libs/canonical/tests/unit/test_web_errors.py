"""Data errors only the client's input causes are a 400 `validation_error`; every other one stays a 500."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from canonical.web.errors import install_error_handlers


def _encoding_overflow() -> Exception:
    """What asyncpg raises when an int does not fit the parameter's type (before anything is sent)."""
    try:
        raise OverflowError("value out of int32 range")
    except OverflowError as cause:
        error = asyncpg.DataError("invalid input for query argument $1: 8406867015070 (value out of int32 range)")
        error.__cause__ = cause
        return error


RAISED: dict[str, Exception] = {
    "overflow": _encoding_overflow(),
    "nul-text": asyncpg.CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8": 0x00'),
    "nul-json": asyncpg.UntranslatableCharacterError("unsupported Unicode escape sequence"),
    "division": asyncpg.DivisionByZeroError("division by zero"),
}


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/raise/{kind}")
    async def raise_(kind: str) -> None:
        raise RAISED[kind]

    return app


@pytest.mark.parametrize(
    ("kind", "status"), [("overflow", 400), ("nul-text", 400), ("nul-json", 400), ("division", 500)]
)
async def test_data_errors_are_bad_input_only_when_the_input_caused_them(kind: str, status: int) -> None:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(f"/raise/{kind}")
    assert response.status_code == status
    assert response.json()["code"] == ("validation_error" if status == 400 else "internal_error")
