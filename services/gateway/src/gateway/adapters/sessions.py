"""PostgreSQL access to sessions and their refresh-token families."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from canonical.db import Connection, create_pool
from gateway.adapters.auth_changes import AuthCache
from gateway.adapters.users import user_from_row
from gateway.domain.users import User


@dataclass(frozen=True)
class RefreshRecord:
    session_id: str
    user_id: int
    spent_at: datetime | None
    session_revoked: bool
    session_expired: bool
    age_since_spent_s: float | None


@dataclass(frozen=True)
class SessionPrincipal:
    """The user behind a session, and the session's own state."""

    user: User
    revoked: bool
    expires_at: datetime

    def is_open(self, now: datetime) -> bool:
        return not self.revoked and self.expires_at > now


async def principal(pool: asyncpg.Pool, session_id: str) -> SessionPrincipal | None:
    try:
        sid = uuid.UUID(session_id)
    except ValueError:
        return None
    row = await pool.fetchrow(
        "SELECT u.user_id, u.external_id::text AS external_id, u.username, u.full_name, u.role, u.warehouse_id,"
        " u.warehouse_ids, u.allowed_functions, u.is_active, u.must_change_password, u.password_changed_at,"
        " u.version, s.revoked_at IS NOT NULL AS revoked, s.expires_at"
        " FROM sessions s JOIN users u USING (user_id) WHERE s.session_id = $1",
        sid,
    )
    return SessionPrincipal(user_from_row(row), row["revoked"], row["expires_at"]) if row else None


class PrincipalLookup:
    """`principal` on a small pool of its own, behind a cache the database keeps honest (`auth_changes`)."""

    def __init__(self, database_url: str, max_size: int) -> None:
        self._url = database_url
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self.cache: AuthCache[SessionPrincipal] = AuthCache()

    @property
    def pool(self) -> asyncpg.Pool:
        assert self._pool is not None, "PrincipalLookup used before start()"
        return self._pool

    async def start(self) -> None:
        # min_size 0: nothing connects until the first request, so start-up never waits for the database.
        self._pool = await create_pool(self._url, min_size=0, max_size=self._max_size)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    async def __call__(self, session_id: str) -> SessionPrincipal | None:
        return await self.cache.through(session_id, lambda: principal(self.pool, session_id))


class SessionRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def start(self, user_id: int, ttl_s: int, client_ip: str, user_agent: str) -> str:
        session_id = uuid.uuid4()
        await self._connection.execute(
            "INSERT INTO sessions (session_id, user_id, expires_at, client_ip, user_agent)"
            " VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5)",
            session_id,
            user_id,
            ttl_s,
            client_ip[:64],
            user_agent[:200],
        )
        return str(session_id)

    async def add_refresh(self, session_id: str, token_hash: str) -> None:
        await self._connection.execute(
            "INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            token_hash,
            uuid.UUID(session_id),
        )

    async def refresh_locked(self, token_hash: str) -> RefreshRecord | None:
        """Lock the token row so two concurrent refreshes of one token serialise."""
        row = await self._connection.fetchrow(
            "SELECT r.session_id::text AS session_id, s.user_id, r.spent_at, s.revoked_at IS NOT NULL AS revoked,"
            " s.expires_at <= now() AS expired, extract(epoch FROM now() - r.spent_at) AS since_spent"
            " FROM refresh_tokens r JOIN sessions s USING (session_id) WHERE r.token_hash = $1 FOR UPDATE OF r",
            token_hash,
        )
        if row is None:
            return None
        since = row["since_spent"]
        return RefreshRecord(
            row["session_id"],
            row["user_id"],
            row["spent_at"],
            row["revoked"],
            row["expired"],
            float(since) if since is not None else None,
        )

    async def spend(self, token_hash: str, session_id: str) -> None:
        await self._connection.execute("UPDATE refresh_tokens SET spent_at = now() WHERE token_hash = $1", token_hash)
        await self._connection.execute(
            "UPDATE sessions SET last_used_at = now() WHERE session_id = $1", uuid.UUID(session_id)
        )

    async def revoke(self, session_id: str, reason: str) -> bool:
        """True when this call revoked it (a session is revoked once)."""
        status = await self._connection.execute(
            "UPDATE sessions SET revoked_at = now(), revoke_reason = $2 WHERE session_id = $1 AND revoked_at IS NULL",
            uuid.UUID(session_id),
            reason,
        )
        return status.endswith(" 1")

    async def revoke_all(self, user_id: int, reason: str) -> list[str]:
        rows = await self._connection.fetch(
            "UPDATE sessions SET revoked_at = now(), revoke_reason = $2"
            " WHERE user_id = $1 AND revoked_at IS NULL RETURNING session_id::text AS session_id",
            user_id,
            reason,
        )
        return [r["session_id"] for r in rows]

    async def owner(self, session_id: str) -> int | None:
        try:
            sid = uuid.UUID(session_id)
        except ValueError:
            return None
        value: int | None = await self._connection.fetchval("SELECT user_id FROM sessions WHERE session_id = $1", sid)
        return value

    async def open_sessions(self, user_id: int) -> list[dict[str, Any]]:
        rows = await self._connection.fetch(
            "SELECT session_id::text AS session_id, created_at, last_used_at, expires_at, client_ip, user_agent"
            " FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()"
            " ORDER BY created_at DESC",
            user_id,
        )
        return [
            {
                "session_id": r["session_id"],
                "created_at": r["created_at"].isoformat(),
                "last_used_at": r["last_used_at"].isoformat(),
                "expires_at": r["expires_at"].isoformat(),
                "client_ip": r["client_ip"],
                "user_agent": r["user_agent"],
            }
            for r in rows
        ]
