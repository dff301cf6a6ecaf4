"""PostgreSQL access to API tokens, the pepper hash and the signature on their events."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime
from typing import Any

import asyncpg

from canonical.db import Connection
from gateway.adapters.auth_changes import AuthCache
from gateway.domain.api_tokens import ApiToken, TokenScope

_COLUMNS = (
    "token_id, token_name, warehouse_ids, event_types, endpoints, connector_id, source_system, inbound_resources,"
    " mapping_override, status, created_at, rotated_at, expires_at, revoked_at, last_used_at, version"
)
# last_used_at is written at most this often per token: a busy integration must not turn reads into writes.
LAST_USED_RESOLUTION_S = 60


def token_from_row(row: asyncpg.Record) -> ApiToken:
    return ApiToken(
        token_id=row["token_id"],
        token_name=row["token_name"],
        scope=TokenScope(
            warehouse_ids=tuple(row["warehouse_ids"]),
            event_types=tuple(row["event_types"]),
            endpoints=tuple(row["endpoints"]),
            connector_id=row["connector_id"],
            source_system=row["source_system"],
            inbound_resources=tuple(row["inbound_resources"]),
            mapping_override=row["mapping_override"],
        ),
        status=row["status"],
        created_at=row["created_at"],
        rotated_at=row["rotated_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
        version=row["version"],
    )


class TokenHasher:
    """hex(SHA-256(pepper || plaintext)); the pepper's raw bytes, untrimmed, so stored hashes survive."""

    def __init__(self, pepper: str) -> None:
        self._pepper = pepper.encode()

    @staticmethod
    def new_plaintext() -> str:
        return secrets.token_urlsafe(32)

    def hash(self, plaintext: str) -> str:
        return hashlib.sha256(self._pepper + plaintext.encode()).hexdigest()


class EventSigner:
    """HMAC over a token event's type, token and time (SENTRY_PUBSUB_HMAC_KEY): a consumer that caches
    tokens (another replica, the inbound service) acts only on a genuine and fresh message, which
    v1.7's unsigned invalidation channel could not promise."""

    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def sign(self, event_type: str, token_id: int) -> dict[str, Any]:
        signed_at = int(time.time())
        return {"signed_at": signed_at, "signature": self._mac(event_type, token_id, signed_at)}

    def _mac(self, event_type: str, token_id: int, signed_at: int) -> str:
        message = f"{event_type}|{token_id}|{signed_at}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


class TokenRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def add(self, name: str, scope: TokenScope, token_hash: str, expires_at: datetime | None) -> ApiToken:
        row = await self._connection.fetchrow(
            "INSERT INTO api_tokens (token_name, token_hash, warehouse_ids, event_types, endpoints, connector_id,"  # noqa: S608
            " source_system, inbound_resources, mapping_override, expires_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce($10, now() + interval '1 year'))"
            f" RETURNING {_COLUMNS}",
            name,
            token_hash,
            list(scope.warehouse_ids),
            list(scope.event_types),
            list(scope.endpoints),
            scope.connector_id,
            scope.source_system,
            list(scope.inbound_resources),
            scope.mapping_override,
            expires_at,
        )
        assert row is not None  # INSERT ... RETURNING yields the row
        return token_from_row(row)

    async def get(self, token_id: int, *, for_update: bool = False) -> ApiToken | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._connection.fetchrow(
            f"SELECT {_COLUMNS} FROM api_tokens WHERE token_id = $1{lock}",  # noqa: S608
            token_id,
        )
        return token_from_row(row) if row else None

    async def all(self) -> list[ApiToken]:
        rows = await self._connection.fetch(
            f"SELECT {_COLUMNS} FROM api_tokens ORDER BY created_at DESC, token_id DESC"  # noqa: S608
        )
        return [token_from_row(r) for r in rows]

    async def rotate(self, token_id: int, token_hash: str) -> ApiToken:
        row = await self._connection.fetchrow(
            "UPDATE api_tokens SET token_hash = $2, rotated_at = now(), version = version + 1"  # noqa: S608
            f" WHERE token_id = $1 RETURNING {_COLUMNS}",
            token_id,
            token_hash,
        )
        assert row is not None  # the caller holds the row lock
        return token_from_row(row)

    async def revoke(self, token_id: int) -> ApiToken:
        row = await self._connection.fetchrow(
            "UPDATE api_tokens SET status = 'revoked', revoked_at = now(), version = version + 1"  # noqa: S608
            f" WHERE token_id = $1 RETURNING {_COLUMNS}",
            token_id,
        )
        assert row is not None  # the caller holds the row lock
        return token_from_row(row)

    async def delete(self, token_id: int) -> None:
        await self._connection.execute("DELETE FROM api_tokens WHERE token_id = $1", token_id)


async def token_by_hash(pool: asyncpg.Pool, token_hash: str) -> ApiToken | None:
    row = await pool.fetchrow(
        f"SELECT {_COLUMNS} FROM api_tokens WHERE token_hash = $1",  # noqa: S608
        token_hash,
    )
    return token_from_row(row) if row else None


async def mark_used(pool: asyncpg.Pool, token_id: int) -> None:
    await pool.execute(
        "UPDATE api_tokens SET last_used_at = now() WHERE token_id = $1"
        " AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))",
        token_id,
        LAST_USED_RESOLUTION_S,
    )


class TokenLookup:
    """`token_by_hash` behind a cache the database keeps honest (`auth_changes`), and `mark_used` at most
    once per resolution per token from this process (the statement would skip it anyway, a round trip later)."""

    def __init__(self) -> None:
        self.cache: AuthCache[ApiToken] = AuthCache()
        self._marked_at: dict[int, float] = {}

    async def find(self, pool: asyncpg.Pool, token_hash: str) -> ApiToken | None:
        return await self.cache.through(token_hash, lambda: token_by_hash(pool, token_hash))

    async def used(self, pool: asyncpg.Pool, token_id: int) -> None:
        now = time.monotonic()
        if now - self._marked_at.get(token_id, -LAST_USED_RESOLUTION_S) < LAST_USED_RESOLUTION_S:
            return
        await mark_used(pool, token_id)
        self._marked_at[token_id] = now
