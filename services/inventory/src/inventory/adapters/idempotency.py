"""Command idempotency by X-Request-ID: the claim, the stored response, and the replay.

A command claims its request id inside its own transaction, so a retry that
arrives later finds the claim and never applies twice; a retry that arrives
while the first is still running waits on the claim's row lock. The response
is stored just after the command commits and replayed to every repeat.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg

from canonical.db import Connection

REPLAY_WAIT_S = 5.0
_POLL_S = 0.05


class RequestAlreadyApplied(Exception):
    """Another request with this id applied the command; its stored response is the answer."""


@dataclass(frozen=True)
class RequestClaim:
    request_id: str
    actor: str
    method: str
    path: str


@dataclass(frozen=True)
class StoredResponse:
    actor: str
    method: str
    path: str
    status_code: int | None
    body: bytes | None


async def claim(connection: Connection, request: RequestClaim) -> None:
    """Inside the command's transaction; raises when the id was already applied."""
    claimed = await connection.fetchval(
        "INSERT INTO command_requests (request_id, actor, method, path) VALUES ($1::uuid, $2, $3, $4)"
        " ON CONFLICT (request_id) DO NOTHING RETURNING true",
        request.request_id,
        request.actor,
        request.method,
        request.path,
    )
    if not claimed:
        raise RequestAlreadyApplied(request.request_id)


async def stored_response(pool: asyncpg.Pool, request_id: str) -> StoredResponse | None:
    row = await pool.fetchrow(
        "SELECT actor, method, path, status_code, body FROM command_requests WHERE request_id = $1::uuid", request_id
    )
    return None if row is None else StoredResponse(**dict(row))


async def wait_for_response(pool: asyncpg.Pool, request_id: str) -> StoredResponse | None:
    """The first request's response, once stored (it commits the claim just before storing it)."""
    deadline = asyncio.get_running_loop().time() + REPLAY_WAIT_S
    while True:
        stored = await stored_response(pool, request_id)
        if stored is not None and stored.status_code is not None:
            return stored
        if asyncio.get_running_loop().time() >= deadline:
            return stored
        await asyncio.sleep(_POLL_S)


async def store_response(pool: asyncpg.Pool, request_id: str, status_code: int, body: bytes) -> None:
    await pool.execute(
        "UPDATE command_requests SET status_code = $2, body = $3 WHERE request_id = $1::uuid AND status_code IS NULL",
        request_id,
        status_code,
        body,
    )
