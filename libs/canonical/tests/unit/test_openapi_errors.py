"""Every service's document declares the error body it really sends, not FastAPI's 422."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel

from canonical.web.openapi import with_documented_errors


class NewThing(BaseModel):
    name: str


def document() -> dict[str, object]:
    app = FastAPI()

    @app.post("/things")
    async def create(thing: NewThing) -> dict[str, str]:
        return {"name": thing.name}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    app.openapi = with_documented_errors(app)  # type: ignore[method-assign]
    return app.openapi()


def test_invalid_input_is_declared_as_400_with_the_error_body() -> None:
    responses = document()["paths"]["/things"]["post"]["responses"]  # type: ignore[index]
    assert "422" not in responses
    assert responses["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_every_operation_declares_its_other_errors_and_fastapis_schemas_are_gone() -> None:
    built = document()
    for path in ("/things", "/health"):
        (operation,) = built["paths"][path].values()  # type: ignore[index]
        assert operation["responses"]["default"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    schemas = built["components"]["schemas"]  # type: ignore[index]
    assert "HTTPValidationError" not in schemas
    assert schemas["Error"]["required"] == ["error"]
