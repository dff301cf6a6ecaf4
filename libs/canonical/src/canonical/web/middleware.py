"""ASGI middleware shared by every service: request ids and request metrics.

Plain ASGI rather than BaseHTTPMiddleware: it runs on every request of the
hot path, and it must not buffer streamed bodies.
"""

from __future__ import annotations

import time
import uuid

from prometheus_client import Histogram
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from canonical.logs import request_id_var

REQUEST_ID_HEADER = "x-request-id"
# Set by the gateway on what it forwards when it minted the request id (the client sent none): the id
# still ties the hops' logs together, but no client will ever retry with it, so it is no retry key.
MINTED_REQUEST_ID_HEADER = "x-request-id-minted"

REQUEST_DURATION = Histogram(
    "wms_http_request_duration_seconds",
    "HTTP requests served, by route template and status",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


def client_request_id(value: bytes | None) -> str | None:
    """The caller's X-Request-ID when it is a UUID (retries reuse it), normalised."""
    if value:
        try:
            return str(uuid.UUID(value.decode("latin-1")))
        except ValueError:
            pass
    return None


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        from_client = client_request_id(headers.get(REQUEST_ID_HEADER.encode()))
        request_id = from_client or str(uuid.uuid4())
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        # Only an id the client chose (not one minted here or at the gateway) is a retry key.
        state["request_id_is_retry_key"] = from_client is not None and MINTED_REQUEST_ID_HEADER.encode() not in headers
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            REQUEST_DURATION.labels(scope["method"], template, str(status)).observe(time.perf_counter() - started)
            request_id_var.reset(token)
