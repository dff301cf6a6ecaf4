"""Login, lockout, refresh rotation, logout and password change over real HTTP (spec §10 1-9)."""

from __future__ import annotations

import asyncio

import pytest

from canonical.testing import eventually
from gateway.testing import PASSWORD, Gateway, StartGateway

pytestmark = pytest.mark.integration


async def _wrong(gateway: Gateway, username: str = "admin") -> int:
    async with gateway.client() as client:
        response = await client.post("/api/auth/login", json={"username": username, "password": "Wrong-pass-1"})
    return response.status_code


async def test_login_returns_tokens_user_and_cookies(gateway: Gateway) -> None:
    async with gateway.client() as client:
        response = await client.post("/api/auth/login", json={"username": "ADMIN ", "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"token", "refresh_token", "user"}
    assert body["user"]["username"] == "admin"
    assert body["user"]["must_change_password"] is False
    cookies = {c.split("=", 1)[0]: c for c in response.headers.get_list("set-cookie")}
    assert "HttpOnly" in cookies["sentry_auth"]
    assert "SameSite=strict" in cookies["sentry_auth"]
    assert "HttpOnly" not in cookies["sentry_csrf"]
    assert "Path=/api/auth" in cookies["sentry_refresh"]
    assert "Secure" not in cookies["sentry_auth"]  # plain HTTP without a trusted proxy


async def test_five_failures_from_one_ip_lock_it_even_for_the_right_password(gateway: Gateway) -> None:
    assert [await _wrong(gateway) for _ in range(4)] == [401] * 4
    async with gateway.client() as client:
        fifth = await client.post("/api/auth/login", json={"username": "admin", "password": "Wrong-pass-1"})
        assert fifth.status_code == 429
        assert "Locked" in fifth.json()["error"]
        assert int(fifth.headers["Retry-After"]) > 0
        right = await client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
        assert right.status_code == 429


async def test_failures_spread_over_usernames_still_lock_the_ip(gateway: Gateway) -> None:
    statuses = [await _wrong(gateway, f"nobody{i}") for i in range(5)]
    assert statuses == [401] * 4 + [429]


async def test_a_success_resets_the_ip_counter_and_401_never_counts_down(gateway: Gateway) -> None:
    assert [await _wrong(gateway) for _ in range(4)] == [401] * 4
    await gateway.login()
    async with gateway.client() as client:
        for _ in range(4):
            response = await client.post("/api/auth/login", json={"username": "admin", "password": "Wrong-pass-1"})
            assert response.status_code == 401
            assert response.json()["error"] == "Invalid username or password"
            assert "attempt" not in response.text.lower()


async def test_refresh_rotates_and_a_replay_after_the_grace_revokes_the_session(start_gateway: StartGateway) -> None:
    gateway = await start_gateway(refresh_grace_s=0)
    first = await gateway.login()
    async with gateway.client() as client:
        rotated = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert rotated.status_code == 200, rotated.text
        second = rotated.json()
        assert second["refresh_token"] != first["refresh_token"]
        await asyncio.sleep(1.1)
        replay = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert replay.status_code == 401
        # The whole family is gone: the successor and the access tokens of the session too.
        successor = await client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
        assert successor.status_code == 401
        me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {second['token']}"})
        assert me.status_code == 401
    reasons = await gateway.sql(
        "SELECT data->>'reason' AS reason FROM event_store WHERE event_type = 'session.revoked'"
    )
    assert [r["reason"] for r in reasons] == ["refresh_reuse"]


async def test_a_lost_refresh_response_gets_the_same_successor_within_the_grace(gateway: Gateway) -> None:
    first = await gateway.login()
    async with gateway.client() as client:
        one = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
        again = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert one.status_code == again.status_code == 200
        assert one.json()["refresh_token"] == again.json()["refresh_token"]
        onward = await client.post("/api/auth/refresh", json={"refresh_token": one.json()["refresh_token"]})
        assert onward.status_code == 200


async def test_concurrent_refreshes_of_one_token_yield_one_successor(gateway: Gateway) -> None:
    first = await gateway.login()
    async with gateway.client() as client:
        responses = await asyncio.gather(
            *(client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]}) for _ in range(5))
        )
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["refresh_token"] for r in responses}) == 1


async def test_logout_revokes_the_bearer_token_at_once(gateway: Gateway) -> None:
    headers = await gateway.bearer()
    async with gateway.client(headers=headers) as client:
        assert (await client.get("/api/auth/me")).status_code == 200
        assert (await client.post("/api/auth/logout")).status_code == 200
        assert (await client.get("/api/auth/me")).status_code == 401


async def test_logout_without_credentials_is_a_silent_no_op(gateway: Gateway) -> None:
    async with gateway.client() as client:
        response = await client.post("/api/auth/logout")
    assert response.status_code == 200
    assert "set-cookie" not in response.headers


async def test_cookie_writes_need_the_csrf_echo_and_bearer_writes_do_not(gateway: Gateway) -> None:
    async with gateway.client() as browser:
        await browser.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
        csrf = browser.cookies["sentry_csrf"]
        assert (await browser.get("/api/auth/me")).status_code == 200  # reads need no CSRF
        body = {"current_password": PASSWORD, "new_password": "Another-pass-7"}
        missing = await browser.post("/api/auth/change-password", json=body)
        assert missing.status_code == 403
        assert missing.json()["code"] == "csrf_invalid"
        wrong = await browser.post("/api/auth/change-password", json=body, headers={"X-CSRF-Token": "nope"})
        assert wrong.status_code == 403
        logout_without = await browser.post("/api/auth/logout")
        assert logout_without.status_code == 403
        logout = await browser.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
        assert logout.status_code == 200
        assert "sentry_auth" not in browser.cookies
    headers = await gateway.bearer()
    async with gateway.client(headers=headers) as scanner:
        changed = await scanner.post("/api/auth/change-password", json=body)
        assert changed.status_code == 200, changed.text


async def test_password_change_kills_every_earlier_session(gateway: Gateway) -> None:
    first = await gateway.bearer()
    other = await gateway.bearer()
    async with gateway.client(headers=first) as client:
        response = await client.post(
            "/api/auth/change-password", json={"current_password": PASSWORD, "new_password": "Fresh-pass-9"}
        )
        assert response.status_code == 200
        assert (await client.get("/api/auth/me")).status_code == 401
    async with gateway.client(headers=other) as client:
        assert (await client.get("/api/auth/me")).status_code == 401
    fresh = await gateway.login(password="Fresh-pass-9")
    assert fresh["token"]
    actions = await gateway.sql(
        "SELECT data->>'action' AS a FROM event_store WHERE event_type = 'user.password_changed'"
    )
    assert [r["a"] for r in actions] == ["password_change"]


async def test_wrong_current_password_is_403_and_policy_failures_are_400(gateway: Gateway) -> None:
    async with gateway.client(headers=await gateway.bearer()) as client:
        wrong = await client.post(
            "/api/auth/change-password", json={"current_password": "Nope-1234", "new_password": "Fresh-pass-9"}
        )
        assert wrong.status_code == 403
        assert wrong.json()["error"] == "Current password is incorrect"
        for weak in ("admin", "ADMIN", " admin ", "\tadmin\n", "short1", "lettersonly", "12345678"):
            response = await client.post(
                "/api/auth/change-password", json={"current_password": PASSWORD, "new_password": weak}
            )
            assert response.status_code == 400, weak
            assert response.json()["code"] == "weak_password"


async def test_a_fresh_install_forces_the_admin_to_change_the_default_password(start_gateway: StartGateway) -> None:
    gateway = await start_gateway(admin_password=None)
    body = await gateway.login(password="admin")
    assert body["user"]["must_change_password"] is True
    headers = {"Authorization": f"Bearer {body['token']}"}
    async with gateway.client(headers=headers) as client:
        for path in ("/api/admin/users", "/api/warehouses/list", "/api/items", "/api/admin/system-info"):
            blocked = await client.get(path)
            assert blocked.status_code == 403, path
            assert blocked.json()["error"] == "password_change_required"
        refresh = await client.post("/api/auth/refresh", json={"refresh_token": body["refresh_token"]})
        assert refresh.status_code == 403
        assert (await client.get("/api/auth/me")).json()["must_change_password"] is True
        same = await client.post(
            "/api/auth/change-password", json={"current_password": "admin", "new_password": " Admin "}
        )
        assert same.status_code == 400
        changed = await client.post(
            "/api/auth/change-password", json={"current_password": "admin", "new_password": PASSWORD}
        )
        assert changed.status_code == 200
    async with gateway.client(headers=await gateway.bearer()) as client:
        assert (await client.get("/api/admin/users")).status_code == 200
    actions = await gateway.sql(
        "SELECT data->>'action' AS a FROM event_store WHERE event_type = 'user.password_changed'"
    )
    assert [r["a"] for r in actions] == ["forced_password_change_completed"]


async def test_tokens_are_refused_when_forged_expired_or_of_another_algorithm(gateway: Gateway) -> None:
    token = (await gateway.login())["token"]
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    none_alg = "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0." + payload + "."
    async with gateway.client() as client:
        for bad in (forged, none_alg, "garbage"):
            response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {bad}"})
            assert response.status_code == 401, bad
        assert (await client.get("/api/auth/me")).json()["error"] == "Unauthorized"


async def test_sessions_can_be_listed_and_revoked_by_their_user(gateway: Gateway) -> None:
    keep = await gateway.bearer()
    other = await gateway.login()
    async with gateway.client(headers=keep) as client:
        sessions = (await client.get("/api/auth/sessions")).json()["sessions"]
        assert len(sessions) == 2
        target = next(s["session_id"] for s in sessions if not s["current"])
        assert (await client.delete(f"/api/auth/sessions/{target}")).status_code == 200
        assert (await client.delete("/api/auth/sessions/not-a-uuid")).status_code == 404
        assert (await client.get("/api/auth/me")).status_code == 200
    async with gateway.client(headers={"Authorization": f"Bearer {other['token']}"}) as client:
        assert (await client.get("/api/auth/me")).status_code == 401


async def test_a_browser_refreshes_through_its_cookie_with_the_csrf_echo(gateway: Gateway) -> None:
    async with gateway.client() as browser:
        await browser.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
        old_access = browser.cookies["sentry_auth"]
        refused = await browser.post("/api/auth/refresh")
        assert refused.status_code == 403
        refreshed = await browser.post("/api/auth/refresh", headers={"X-CSRF-Token": browser.cookies["sentry_csrf"]})
        assert refreshed.status_code == 200, refreshed.text
        assert browser.cookies["sentry_auth"] != old_access
        assert (await browser.get("/api/auth/me")).status_code == 200


async def _me_status(gateway: Gateway, headers: dict[str, str]) -> int:
    async with gateway.client(headers=headers) as client:
        return (await client.get("/api/auth/me")).status_code


async def test_a_logout_on_one_replica_is_refused_by_the_other_within_moments(start_gateway: StartGateway) -> None:
    first, second = await start_gateway(), await start_gateway()
    headers = await first.bearer()
    for _ in range(3):  # both replicas have seen (and may keep) the session
        assert await _me_status(first, headers) == 200
        assert await _me_status(second, headers) == 200
    async with first.client(headers=headers) as client:
        assert (await client.post("/api/auth/logout")).status_code == 200

    async def refused() -> bool:
        return await _me_status(second, headers) == 401

    # Far inside the caches' one-minute bound: the database's notification, not age, forgets the session.
    await eventually(refused, timeout_s=3)


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE users SET is_active = false WHERE username = 'admin'",
        "UPDATE sessions SET revoked_at = now(), revoke_reason = 'elsewhere'",
        "UPDATE sessions SET expires_at = now()",
        "DELETE FROM sessions",
    ],
)
async def test_a_change_written_by_anyone_else_acts_within_moments(gateway: Gateway, change: str) -> None:
    headers = await gateway.bearer()
    for _ in range(3):
        assert await _me_status(gateway, headers) == 200
    await gateway.sql(change)

    async def refused() -> bool:
        return await _me_status(gateway, headers) == 401

    await eventually(refused, timeout_s=3)


async def test_role_changes_written_elsewhere_reach_the_next_requests(gateway: Gateway) -> None:
    await gateway.add_user("clerk")
    headers = await gateway.bearer("clerk")
    async with gateway.client(headers=headers) as client:
        assert (await client.get("/api/admin/users")).status_code == 403
        await gateway.sql("UPDATE users SET role = 'ADMIN' WHERE username = 'clerk'")

        async def promoted() -> bool:
            return (await client.get("/api/admin/users")).status_code == 200

        await eventually(promoted, timeout_s=3)
