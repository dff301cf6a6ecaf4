"""asyncpg pool with JSON codecs, shared by every service.

Pooled connections carry no session state, by rule: advisory locks are transaction-scoped
(`pg_advisory_xact_lock`), nothing runs `SET` outside a transaction, and whoever LISTENs on a
pooled connection removes its listener (asyncpg sends UNLISTEN) before releasing it. So a release
skips asyncpg's reset query (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL): one round trip
less on every request of every service. asyncpg still rolls back a transaction left open.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

# A connection of our own or one borrowed from a pool: handlers accept either.
Connection = asyncpg.Connection | PoolConnectionProxy


async def _init_connection(connection: asyncpg.Connection) -> None:
    for json_type in ("json", "jsonb"):
        await connection.set_type_codec(json_type, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _no_session_state(_: asyncpg.Connection) -> None:
    """Release hook: nothing to reset (see the module docstring for the rule that makes this safe)."""


async def create_pool(url: str, *, min_size: int = 2, max_size: int = 20, **kwargs: Any) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        reset=_no_session_state,
        command_timeout=30,
        **kwargs,
    )
    assert pool is not None  # create_pool only returns None when not awaited
    return pool


@asynccontextmanager
async def listening(pool: asyncpg.Pool, channel: str, callback: Callable[..., Any]) -> AsyncIterator[asyncio.Event]:
    """One pooled connection LISTENing on `channel` for the block; yields an event set if that connection drops.

    Leaving the block after a drop raises ConnectionError, so a supervised worker is restarted. The
    listener is removed (UNLISTEN) before the connection goes back to the pool, which keeps the rule above.
    """
    lost = asyncio.Event()
    async with pool.acquire() as connection:
        await connection.add_listener(channel, callback)
        connection.add_termination_listener(lambda _connection: lost.set())
        try:
            yield lost
        finally:
            if not lost.is_set():
                await connection.remove_listener(channel, callback)
        if lost.is_set():
            raise ConnectionError(f"the LISTEN connection for {channel} was lost")
