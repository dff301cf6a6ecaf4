"""Caches of who is behind a session or an API token, emptied whenever the database says they changed.

Every authenticated request needs its caller as the database has it now: logout, deactivation, role,
warehouse and scope changes, token revocation all act on the next request. Reading that each time was
the gateway's one database round trip per forwarded request. Instead, triggers on `users`, `sessions`
and `api_tokens` (migration 003) NOTIFY on commit, and `AuthChangeListener` empties every cache when a
notification arrives. Changes this process makes empty them at commit too (`AuthCaches.forget_all`,
called by the unit of work before the response leaves), so no later request here sees the old state;
other replicas see it once the notification arrives (milliseconds).

A cache only answers while the LISTEN connection is up: without notifications it cannot know what
changed, so every lookup reads the database, as before. A lookup that raced with a change never stores
its (possibly older) result: it presents the generation it started under, and any change moves it on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Generic, TypeVar

import asyncpg

from canonical.db import listening
from canonical.workers import wait_for_any

AUTH_CHANGED_CHANNEL = "gateway_auth_changed"


V = TypeVar("V")


class AuthCache(Generic[V]):
    def __init__(self, *, max_entries: int = 10_000, max_age_s: float = 60.0) -> None:
        self._max_entries = max_entries
        self._max_age_s = max_age_s
        self._entries: dict[str, tuple[V, float]] = {}
        self.generation = 0
        self.trusted = False  # set by the listener while notifications flow

    def get(self, key: str) -> V | None:
        if not self.trusted:
            return None
        cached = self._entries.get(key)
        if cached is None or time.monotonic() - cached[1] >= self._max_age_s:
            return None
        return cached[0]

    def put(self, key: str, value: V, generation: int) -> None:
        if not self.trusted or generation != self.generation:
            return
        if len(self._entries) >= self._max_entries:
            del self._entries[next(iter(self._entries))]  # the oldest insertion
        self._entries[key] = (value, time.monotonic())

    def forget_all(self) -> None:
        self.generation += 1
        self._entries.clear()

    async def through(self, key: str, load: Callable[[], Awaitable[V | None]]) -> V | None:
        """The cached value, or `load()`'s, kept unless a change was announced while it was being read."""
        found = self.get(key)
        if found is not None:
            return found
        generation = self.generation
        found = await load()
        if found is not None:
            self.put(key, found, generation)
        return found


class AuthCaches:
    """The gateway's caches together, as the listener and the unit of work see them."""

    def __init__(self, caches: Iterable[AuthCache[Any]]) -> None:
        self._caches = list(caches)

    def forget_all(self) -> None:
        for cache in self._caches:
            cache.forget_all()

    def trust(self, trusted: bool) -> None:
        self.forget_all()  # anything stored before (or while) the listener was down may be stale
        for cache in self._caches:
            cache.trusted = trusted


class AuthChangeListener:
    """Holds one LISTEN connection; the runtime restarts it when the connection drops."""

    name = "gateway-auth-change-listener"

    def __init__(self, pool: asyncpg.Pool, caches: AuthCaches) -> None:
        self._pool = pool
        self._caches = caches

    def _notified(self, *_: object) -> None:
        self._caches.forget_all()

    async def run(self, stop: asyncio.Event) -> None:
        async with listening(self._pool, AUTH_CHANGED_CHANNEL, self._notified) as lost:
            self._caches.trust(True)
            try:
                await wait_for_any(stop, lost)
            finally:
                self._caches.trust(False)
