"""Login, refresh, logout and password change: sessions with rotating refresh tokens."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from canonical.events.domain import DomainEvent
from canonical.events.factory import CommandContext
from gateway.adapters.access_tokens import AccessTokens
from gateway.adapters.credentials import RefreshTokens, digest, hash_password, verify_password
from gateway.adapters.limits import Limits
from gateway.adapters.unit_of_work import UnitOfWork, session_stream, user_stream
from gateway.domain.errors import (
    CurrentPasswordIncorrect,
    InvalidCredentials,
    PasswordChangeRequired,
    SessionInvalid,
    TooManyAttempts,
)
from gateway.domain.passwords import check_password_policy
from gateway.domain.users import User, password_changed

# Past this many recent failures an account's logins are slowed (never refused): guessing one
# password from many addresses gets expensive, and its owner can still sign in.
ACCOUNT_SLOWDOWN_S = 1.0


@dataclass(frozen=True)
class TokenPolicy:
    access: AccessTokens
    refresh: RefreshTokens
    session_ttl_s: int
    refresh_grace_s: int


@dataclass(frozen=True)
class Client:
    ip: str
    user_agent: str
    request_id: str


@dataclass(frozen=True)
class Issued:
    access_token: str
    refresh_token: str
    session_id: str
    user: User


def _access(policy: TokenPolicy, user: User, session_id: str) -> str:
    legacy = {
        "user_id": user.user_id,
        "username": user.username,
        "role": user.role,
        "warehouse_id": user.warehouse_id,
        "warehouse_ids": list(user.warehouse_ids),
    }
    return policy.access.issue(subject=user.external_id, session_id=session_id, legacy=legacy)


def session_revoked(session_id: str, user_id: int, reason: str) -> DomainEvent:
    return DomainEvent("session.revoked", {"session_id": session_id, "user_id": user_id, "reason": reason})


async def revoke_sessions(uow: UnitOfWork, user_id: int, reason: str, context: CommandContext) -> None:
    for session_id in await uow.sessions.revoke_all(user_id, reason):
        await uow.record(session_stream(session_id), 1, [session_revoked(session_id, user_id, reason)], context)


def _lock_message(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"Too many failed attempts from your IP. Try again in {minutes}m {rest}s"


async def login(
    uow: UnitOfWork, limits: Limits, policy: TokenPolicy, username: str, password: str, client: Client
) -> Issued:
    locked_for = await limits.ip_locked_for(client.ip)
    if locked_for:
        raise TooManyAttempts(_lock_message(locked_for), retry_after=locked_for)
    if await limits.account_failures(username) >= limits.max_failures:
        await asyncio.sleep(ACCOUNT_SLOWDOWN_S)
    async with uow:
        found = await uow.users.with_password_hash(username)
    # Unknown names are verified against a dummy hash: both paths cost the same (no enumeration by timing).
    valid = await verify_password(found[1] if found else None, password)
    if not valid or found is None or not found[0].is_active:
        if await limits.login_failed(client.ip, username):
            raise TooManyAttempts(
                f"Too many failed attempts from your IP. Locked for {limits.lockout_s // 60} minutes",
                retry_after=limits.lockout_s,
            )
        raise InvalidCredentials("Invalid username or password", legacy_error="Invalid username or password")
    user = found[0]
    await limits.login_succeeded(client.ip, username)
    refresh_token = policy.refresh.new()
    context = CommandContext(request_id=client.request_id, actor=user.external_id)
    async with uow:
        session_id = await uow.sessions.start(user.user_id, policy.session_ttl_s, client.ip, client.user_agent)
        await uow.sessions.add_refresh(session_id, digest(refresh_token))
        await uow.users.touch_login(user.user_id)
        expires_at = datetime.now(UTC) + timedelta(seconds=policy.session_ttl_s)
        started = DomainEvent(
            "session.started",
            {
                "session_id": session_id,
                "user_id": user.user_id,
                "username": user.username,
                "client_ip": client.ip[:64],
                "expires_at": expires_at.isoformat(),
            },
        )
        await uow.record(session_stream(session_id), 0, [started], context)
    return Issued(_access(policy, user, session_id), refresh_token, session_id, user)


async def refresh(uow: UnitOfWork, policy: TokenPolicy, presented: str, request_id: str) -> Issued:
    """Rotate: the presented token is spent and its successor returned.

    Presenting a spent token again within the grace period (a scanner that lost
    the response) returns the same successor; later, or once the successor was
    used, it is a replay and the whole session is revoked.
    """
    successor = policy.refresh.successor(presented)
    reused = False
    async with uow:
        record = await uow.sessions.refresh_locked(digest(presented))
        if record is None or record.session_revoked or record.session_expired:
            raise SessionInvalid("Session expired or revoked", legacy_error="Token expired")
        user = await uow.users.get(record.user_id)
        if user is None or not user.is_active:
            raise SessionInvalid("Account disabled or deleted", legacy_error="Account disabled or deleted")
        if user.must_change_password:
            raise PasswordChangeRequired(
                "You must change your password before continuing.", legacy_error="password_change_required"
            )
        if record.spent_at is None:
            await uow.sessions.spend(digest(presented), record.session_id)
            await uow.sessions.add_refresh(record.session_id, digest(successor))
        else:
            follower = await uow.sessions.refresh_locked(digest(successor))
            within_grace = (record.age_since_spent_s or 0.0) <= policy.refresh_grace_s
            if not (within_grace and follower is not None and follower.spent_at is None):
                reused = True
                context = CommandContext(request_id=request_id, actor=user.external_id)
                if await uow.sessions.revoke(record.session_id, "refresh_reuse"):
                    event = session_revoked(record.session_id, user.user_id, "refresh_reuse")
                    await uow.record(session_stream(record.session_id), 1, [event], context)
    if reused:  # raised after the commit: the revocation must stand
        raise SessionInvalid("Refresh token reuse detected; the session is revoked.", legacy_error="Token expired")
    return Issued(_access(policy, user, record.session_id), successor, record.session_id, user)


async def logout(uow: UnitOfWork, session_id: str, user_id: int, request_id: str, actor: str) -> None:
    async with uow:
        if await uow.sessions.revoke(session_id, "logout"):
            context = CommandContext(request_id=request_id, actor=actor)
            await uow.record(session_stream(session_id), 1, [session_revoked(session_id, user_id, "logout")], context)


async def revoke_session(uow: UnitOfWork, session_id: str, user_id: int, reason: str, context: CommandContext) -> bool:
    async with uow:
        if await uow.sessions.owner(session_id) != user_id:
            return False
        if await uow.sessions.revoke(session_id, reason):
            await uow.record(session_stream(session_id), 1, [session_revoked(session_id, user_id, reason)], context)
        return True


async def change_password(uow: UnitOfWork, user: User, current: str, new: str, request_id: str) -> None:
    check_password_policy(new)
    async with uow:
        stored = await uow.users.password_hash(user.user_id)
    if not await verify_password(stored, current):
        raise CurrentPasswordIncorrect("Current password is incorrect", legacy_error="Current password is incorrect")
    new_hash = await hash_password(new)
    context = CommandContext(request_id=request_id, actor=user.external_id)
    async with uow:
        locked = await uow.users.get(user.user_id, for_update=True)
        if locked is None:  # deleted by an admin since this request authenticated
            raise SessionInvalid("Session expired or revoked", legacy_error="Unauthorized")
        await uow.users.set_password(user.user_id, new_hash)
        event = password_changed(locked, forced=locked.must_change_password)
        await uow.record(user_stream(user.user_id), locked.version, [event], context)
        await revoke_sessions(uow, user.user_id, "password_changed", context)
