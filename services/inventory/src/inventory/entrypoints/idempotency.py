"""X-Request-ID idempotency at the HTTP edge: store each command's response, replay it to repeats.

The claim itself is taken by the unit of work inside the command's transaction
(see adapters/idempotency.py); this module only records what was answered and
answers repeats with it.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inventory.adapters.idempotency import (
    RequestAlreadyApplied,
    RequestClaim,
    store_response,
    wait_for_response,
)

CLAIM_STATE = "command_claim"
REPLAYED_HEADER = "idempotent-replayed"


def _conflict(code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "code": code, "message": message}, status_code=409)


async def _replay(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestAlreadyApplied)
    claim: RequestClaim = getattr(request.state, CLAIM_STATE)
    setattr(request.state, CLAIM_STATE, None)  # this request applied nothing, so it stores nothing
    stored = await wait_for_response(request.app.state.runtime.pool, claim.request_id)
    if stored is None or (stored.actor, stored.method, stored.path) != (claim.actor, claim.method, claim.path):
        return _conflict("request_id_reused", "This X-Request-ID was already used for another request.")
    if stored.status_code is None or stored.body is None:
        return _conflict("request_in_progress", "A request with this X-Request-ID is still being processed.")
    return Response(
        stored.body, status_code=stored.status_code, media_type="application/json", headers={REPLAYED_HEADER: "true"}
    )


class StoreCommandResponses:
    """Buffers the response of a request that claimed its id, and stores it once sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in {"POST", "PUT", "PATCH", "DELETE"}:
            await self.app(scope, receive, send)
            return
        status = 0
        body = bytearray()

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        claim: RequestClaim | None = scope.get("state", {}).get(CLAIM_STATE)
        if claim is not None:
            # A no-op when the command rolled back: then nothing was claimed and a retry runs afresh.
            await store_response(scope["app"].state.runtime.pool, claim.request_id, status, bytes(body))


def install_idempotency(app: FastAPI) -> None:
    app.add_exception_handler(RequestAlreadyApplied, _replay)
    app.add_middleware(StoreCommandResponses)
