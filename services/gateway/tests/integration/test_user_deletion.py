"""DELETE /api/admin/users/{id}: v1.7's guards, sessions ended at once, and an event for the audit chain."""

from __future__ import annotations

import asyncio

import pytest

from gateway.testing import Gateway, event_values

pytestmark = pytest.mark.integration


async def test_a_deleted_user_is_signed_out_at_once_and_the_deletion_is_an_event(gateway: Gateway) -> None:
    victim = await gateway.add_user("leaver", full_name="Leaves Today")
    leaver = await gateway.bearer("leaver")
    async with gateway.client(headers=leaver) as as_leaver:
        assert (await as_leaver.get("/api/auth/me")).status_code == 200
        async with gateway.client(headers=await gateway.bearer()) as admin:
            deleted = await admin.delete(f"/api/admin/users/{victim['user_id']}")
            assert deleted.status_code == 200, deleted.text
            assert deleted.json() == {"message": "User deleted"}
            listed = (await admin.get("/api/admin/users")).json()["users"]
            assert "leaver" not in [u["username"] for u in listed]
            again = await admin.delete(f"/api/admin/users/{victim['user_id']}")
            assert again.status_code == 404
            assert again.json()["code"] == "user_not_found"
        # The token is still unexpired; the session behind it is gone.
        assert (await as_leaver.get("/api/auth/me")).status_code == 401
    async with gateway.client() as anonymous:
        login = await anonymous.post("/api/auth/login", json={"username": "leaver", "password": "Sturdy-Pass-42"})
    assert login.status_code == 401
    assert await event_values(gateway, "user.deleted", "username") == ["leaver"]
    assert "user_deleted" in await event_values(gateway, "session.revoked", "reason")
    # The name is free again, as in v1.7 (a new user, a new id and a new event stream).
    assert (await gateway.add_user("leaver"))["user_id"] != victim["user_id"]


async def test_nobody_deletes_themselves_and_users_cannot_delete_at_all(gateway: Gateway) -> None:
    clerk = await gateway.add_user("clerk")
    async with gateway.client(headers=await gateway.bearer()) as admin:
        me = (await admin.get("/api/auth/me")).json()
        own = await admin.delete(f"/api/admin/users/{me['user_id']}")
        assert own.status_code == 400
        assert own.json()["code"] == "invalid_user_change"
    async with gateway.client(headers=await gateway.bearer("clerk")) as as_clerk:
        refused = await as_clerk.delete(f"/api/admin/users/{me['user_id']}")
        assert refused.status_code == 403
        assert refused.json()["error"] == "Forbidden"
    assert await gateway.sql("SELECT 1 FROM users WHERE user_id = $1", clerk["user_id"])
    assert await event_values(gateway, "user.deleted", "username") == []


async def test_two_admins_deleting_each_other_leave_one_admin(gateway: Gateway) -> None:
    boss = await gateway.add_user("boss", role="ADMIN")
    async with (
        gateway.client(headers=await gateway.bearer()) as first,
        gateway.client(headers=await gateway.bearer("boss")) as second,
    ):
        me = (await first.get("/api/auth/me")).json()
        results = await asyncio.gather(
            first.delete(f"/api/admin/users/{boss['user_id']}"),
            second.delete(f"/api/admin/users/{me['user_id']}"),
        )
    # The loser is refused by the last-admin guard (400) or, when the winner committed first, signed out (401).
    assert sorted(r.status_code for r in results) in ([200, 400], [200, 401])
    admins = await gateway.sql("SELECT count(*) AS n FROM users WHERE role = 'ADMIN' AND is_active")
    assert admins[0]["n"] == 1
    assert len(await event_values(gateway, "user.deleted", "username")) == 1
