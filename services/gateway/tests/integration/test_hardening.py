"""Security headers, CORS, media types, body cap, proxy trust and rate limits (spec §7, §10 13-14, 45)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from canonical.testing import free_port
from gateway.testing import Gateway, StartGateway

pytestmark = pytest.mark.integration


async def test_security_headers_on_success_and_error_and_hsts_only_over_https(gateway: Gateway) -> None:
    async with gateway.client() as client:
        for response in (await client.get("/api/health"), await client.get("/api/items")):
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "DENY"
            csp = response.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp
            assert "object-src 'none'" in csp
            assert "report-uri /api/csp-report" in csp
            assert "strict-transport-security" not in response.headers
        forged = await client.get("/api/health", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" not in forged.headers  # no proxy trusted: a client cannot claim TLS


async def test_health_is_exactly_status_and_service_and_system_info_is_admin_only(start_gateway: StartGateway) -> None:
    plain = await start_gateway()
    proxied = await start_gateway(trust_proxy=True)
    async with plain.client() as a, proxied.client() as b:
        assert (await a.get("/api/health")).json() == (await b.get("/api/health")).json()
        assert (await a.get("/api/health")).json() == {"status": "ok", "service": "sentry-wms"}
        assert (await b.get("/api/admin/system-info")).status_code == 401
    async with proxied.client(headers=await proxied.bearer()) as admin:
        assert (await admin.get("/api/admin/system-info")).json() == {"proxy_fix_active": True}
    async with plain.client(headers=await plain.bearer()) as admin:
        assert (await admin.get("/api/admin/system-info")).json() == {"proxy_fix_active": False}


async def test_behind_a_trusted_proxy_cookies_are_secure_and_csrf_still_passes(start_gateway: StartGateway) -> None:
    gateway = await start_gateway(trust_proxy=True)
    proxy_headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Host": "wms.test"}
    async with gateway.client(headers=proxy_headers) as browser:
        login = await browser.post("/api/auth/login", json={"username": "admin", "password": "Sturdy-Pass-42"})
        assert login.status_code == 200
        assert login.headers["strict-transport-security"].startswith("max-age=31536000")
        for cookie in login.headers.get_list("set-cookie"):
            assert "Secure" in cookie
        auth = next(c for c in login.headers.get_list("set-cookie") if c.startswith("sentry_auth="))
        csrf = next(c for c in login.headers.get_list("set-cookie") if c.startswith("sentry_csrf="))
        cookies = {
            "sentry_auth": auth.split(";")[0].split("=", 1)[1],
            "sentry_csrf": csrf.split(";")[0].split("=", 1)[1],
        }
        changed = await browser.post(
            "/api/auth/change-password",
            json={"current_password": "Sturdy-Pass-42", "new_password": "Another-pass-7"},
            headers={
                "X-CSRF-Token": cookies["sentry_csrf"],
                "Cookie": f"sentry_auth={cookies['sentry_auth']}; sentry_csrf={cookies['sentry_csrf']}",
            },
        )
        assert changed.status_code == 200, changed.text
    sessions = await gateway.sql("SELECT client_ip FROM sessions")
    assert [s["client_ip"] for s in sessions] == ["203.0.113.7"]


async def test_forwarded_for_is_ignored_without_proxy_trust(gateway: Gateway) -> None:
    async with gateway.client(headers={"X-Forwarded-For": "198.51.100.9"}) as client:
        await client.post("/api/auth/login", json={"username": "admin", "password": "Sturdy-Pass-42"})
    assert [s["client_ip"] for s in await gateway.sql("SELECT client_ip FROM sessions")] == ["127.0.0.1"]


async def test_writes_must_be_json_and_bodies_are_capped(start_gateway: StartGateway) -> None:
    gateway = await start_gateway(max_body_bytes=2048)
    async with gateway.client() as client:
        text = await client.post("/api/auth/login", content=b"username=admin", headers={"Content-Type": "text/plain"})
        assert text.status_code == 415
        assert text.json()["error"] == "unsupported_media_type"
        form = await client.post("/api/auth/login", data={"username": "admin"})
        assert form.status_code == 415
        csv_elsewhere = await client.post("/api/auth/login", content=b"a,b", headers={"Content-Type": "text/csv"})
        assert csv_elsewhere.status_code == 415
        csv_import = await client.post(
            "/api/admin/import/items", content=b"sku\nA", headers={"Content-Type": "text/csv"}
        )
        assert csv_import.status_code == 401  # past the media check: only the missing session stops it
        charset = await client.post(
            "/api/auth/login",
            content=b'{"username": "admin", "password": "Sturdy-Pass-42"}',
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        assert charset.status_code == 200
        big = await client.post("/api/auth/login", json={"username": "a" * 5000, "password": "x"})
        assert big.status_code == 413

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b" " * 1024

        chunked = await client.post("/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"})
        assert chunked.status_code == 413
        report = await client.post("/api/csp-report", content=b"garbage", headers={"Content-Type": "text/plain"})
        assert report.status_code == 204


async def test_cors_allows_configured_origins_only(start_gateway: StartGateway) -> None:
    gateway = await start_gateway(cors_origins="https://admin.example")
    preflight = {"Access-Control-Request-Method": "POST"}
    async with gateway.client() as client:
        allowed = await client.options("/api/auth/login", headers={"Origin": "https://admin.example", **preflight})
        assert allowed.headers["access-control-allow-origin"] == "https://admin.example"
        assert allowed.headers["access-control-allow-credentials"] == "true"
        for origin in ("https://evil.example", "null"):
            refused = await client.options("/api/auth/login", headers={"Origin": origin, **preflight})
            assert "access-control-allow-origin" not in refused.headers


async def test_rate_limits_answer_429_with_retry_after(start_gateway: StartGateway) -> None:
    gateway = await start_gateway(rate_limit_default_per_min=5, rate_limit_auth_per_min=2)
    async with gateway.client() as client:
        statuses = [(await client.get("/api/health")).status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        limited = await client.get("/api/health")
        assert int(limited.headers["Retry-After"]) >= 1
        assert limited.json()["error"] == "rate_limited"


async def test_auth_routes_have_a_tighter_limit(start_gateway: StartGateway) -> None:
    gateway = await start_gateway(rate_limit_auth_per_min=2)
    async with gateway.client() as client:
        body = {"refresh_token": "nope"}
        statuses = [(await client.post("/api/auth/refresh", json=body)).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


async def test_webhook_admin_mutations_are_limited_per_route(start_gateway: StartGateway) -> None:
    """Counted per route, every subscription together; reads are not counted. (No dispatcher runs here:
    what passes the limiter is answered by the missing upstream, never 429.)"""
    gateway = await start_gateway(rate_limit_webhook_admin_per_min=2)
    async with gateway.client(headers=await gateway.bearer()) as client:

        async def limited(method: str, path: str) -> bool:
            return (await client.request(method, path, json={})).status_code == 429

        patches = [await limited("PATCH", f"/api/admin/webhooks/{uuid.uuid4()}") for _ in range(3)]
        assert patches == [False, False, True]
        rotations = [await limited("POST", f"/api/admin/webhooks/{uuid.uuid4()}/rotate-secret") for _ in range(2)]
        assert rotations == [False, False]
        assert [await limited("GET", "/api/admin/webhooks") for _ in range(3)] == [False, False, False]
        assert [await limited("POST", "/api/admin/webhooks") for _ in range(3)] == [False, False, True]


async def test_without_redis_the_limiter_lets_requests_through_but_login_fails_closed(
    start_gateway: StartGateway,
) -> None:
    gateway = await start_gateway(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    async with gateway.client() as client:
        assert (await client.get("/api/health")).status_code == 200
        login = await client.post("/api/auth/login", json={"username": "admin", "password": "Sturdy-Pass-42"})
        assert login.status_code == 503
        assert login.json()["code"] == "service_unavailable"
