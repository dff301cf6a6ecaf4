"""Edge hardening as plain ASGI middleware: proxy trust, body cap, JSON-only writes,
security headers and rate limits. Plain ASGI because it runs on every request and must
not buffer streamed bodies."""

from __future__ import annotations

import json

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.adapters.limits import Limits
from gateway.settings import Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'; report-uri /api/csp-report"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-XSS-Protection": "0",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Content-Security-Policy": CSP,
}
HSTS = "max-age=31536000; includeSubDomains"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Browsers send CSP reports as application/csp-report or application/reports+json.
NOT_JSON_ONLY = frozenset({"/api/csp-report"})
# Bulk imports also take a raw CSV file (v1.7's import accepts text/csv); every other write is JSON.
CSV_ALLOWED_PREFIXES = ("/api/admin/import/",)


class _BodyTooLarge(Exception):
    pass


async def _reply(send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"error": code, "code": code, "message": message}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _accepted_media(path: str, content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media == "text/csv" and path.startswith(CSV_ALLOWED_PREFIXES))


class HardeningMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.trust_proxy = settings.trust_proxy
        self.hops = settings.trust_proxy_hops
        self.max_body = settings.max_body_bytes

    async def _too_large(self, send: Send) -> None:
        await _reply(send, 413, "body_too_large", f"Request bodies are limited to {self.max_body} bytes.")

    def _apply_proxy(self, scope: Scope) -> None:
        """Take client, scheme and host from X-Forwarded-* (only when TRUST_PROXY says a proxy sets them).

        The client is the address `hops` entries from the right of X-Forwarded-For: everything further
        left was written by the client itself and is not trusted.
        """
        headers = Headers(scope=scope)
        forwarded_for = [p.strip() for p in headers.get("x-forwarded-for", "").split(",") if p.strip()]
        if len(forwarded_for) >= self.hops:
            scope["client"] = (forwarded_for[-self.hops], 0)
        proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
        if proto in {"http", "https"}:
            scope["scheme"] = proto
        host = headers.get("x-forwarded-host", "").split(",")[-1].strip()
        if host:
            scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"host"] + [(b"host", host.encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.trust_proxy:
            self._apply_proxy(scope)
        secure = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if secure:  # never on plain HTTP: LAN installs run without TLS
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await self._too_large(send_with_headers)
            return
        has_body = (length is not None and int(length) > 0) or "chunked" in headers.get("transfer-encoding", "")
        if (
            scope["method"] in {"POST", "PUT", "PATCH"}
            and has_body
            and scope["path"] not in NOT_JSON_ONLY
            and not _accepted_media(scope["path"], headers.get("content-type", ""))
        ):
            await _reply(send_with_headers, 415, "unsupported_media_type", "Request bodies must be application/json.")
            return

        received = 0
        too_large = False
        replaced = False

        async def capped_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body:  # a chunked body has no Content-Length to refuse up front
                too_large = True
                raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # The framework may turn the aborted read into its own error response; the cap's 413 wins.
            nonlocal replaced
            if too_large:
                if not replaced:
                    replaced = True
                    await self._too_large(send_with_headers)
                return
            await send_with_headers(message)

        try:
            await self.app(scope, capped_receive, guarded_send)
        except _BodyTooLarge:
            if not replaced:
                await self._too_large(send_with_headers)


WEBHOOK_ADMIN = "/api/admin/webhooks"


def _webhook_route(path: str) -> str:
    """Which webhook admin route a path takes: limits count per route (as v1.7's), every subscription's
    calls of one route together: create, the subscription itself (PATCH, DELETE), or its action."""
    parts = path.removeprefix(WEBHOOK_ADMIN).strip("/").split("/")
    if parts == [""]:
        return "create"
    return parts[1] if len(parts) > 1 else "subscription"


def rate_bucket(method: str, path: str, settings: Settings) -> tuple[str, int] | None:
    """The tighter per-route limit that applies besides the global one, if any."""
    if path in {"/api/auth/login", "/api/auth/refresh", "/api/auth/change-password"}:
        return "auth", settings.rate_limit_auth_per_min
    if path.startswith("/api/admin/tokens") and method in WRITE_METHODS:
        return "tokens", settings.rate_limit_tokens_per_min
    if (
        path.startswith("/api/admin/connectors/")
        and method == "POST"
        and path.endswith(("/test", "/credentials", "/sync-reset"))
    ):
        return "connector_test", settings.rate_limit_connector_test_per_min
    if path == "/api/csp-report":
        return "csp_report", settings.rate_limit_csp_report_per_min
    if path.startswith(WEBHOOK_ADMIN) and method in WRITE_METHODS:
        return f"webhook_admin:{method}:{_webhook_route(path)}", settings.rate_limit_webhook_admin_per_min
    return None


class RateLimitMiddleware:
    """Fixed-window limits per client address, shared through Redis by every replica.

    A Redis outage lets requests through (`Limits.hit`); login lockout still fails closed.
    """

    def __init__(self, app: ASGIApp, settings: Settings, limits: Limits) -> None:
        self.app = app
        self.settings = settings
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.settings.rate_limit_enabled or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        checks: list[tuple[str, int]] = [("default", self.settings.rate_limit_default_per_min)]
        route = rate_bucket(scope["method"], scope["path"], self.settings)
        if route is not None:
            checks.append(route)
        for bucket, limit in checks:
            retry_after = await self.limits.hit(bucket, client, limit)
            if retry_after is not None:
                await _reply(
                    send, 429, "rate_limited", "Too many requests; slow down.", {"Retry-After": str(retry_after)}
                )
                return
        await self.app(scope, receive, send)
