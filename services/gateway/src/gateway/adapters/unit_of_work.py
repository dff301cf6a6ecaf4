"""One transaction holds a change to users, sessions or tokens, its identity events and their outbox rows."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

import asyncpg

from canonical.db import Connection
from canonical.events.registry import EventRegistry
from canonical.eventstore.store import EventWriter
from canonical.eventstore.unit_of_work import EventSourcedUnitOfWork
from gateway.adapters.api_tokens import TokenRepository
from gateway.adapters.sessions import SessionRepository
from gateway.adapters.users import UserRepository

SOURCE = "/sentry-wms/gateway"


def user_stream(user_id: int) -> str:
    return f"user-{user_id}"


def token_stream(token_id: int) -> str:
    return f"api-token-{token_id}"


def session_stream(session_id: str) -> str:
    return f"session-{session_id}"


class UnitOfWork(EventSourcedUnitOfWork):
    users: UserRepository
    sessions: SessionRepository
    tokens: TokenRepository

    def __init__(
        self,
        pool: asyncpg.Pool,
        writer: EventWriter,
        registry: EventRegistry,
        *,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(pool, writer, registry, source=SOURCE)
        self._on_commit = on_commit

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await super().__aexit__(exc_type, exc, tb)
        if exc_type is None:
            # Before the response leaves: the caches of this process must not outlive what was just committed.
            self._on_commit()

    def attach(self, connection: Connection) -> None:
        self.users = UserRepository(connection)
        self.sessions = SessionRepository(connection)
        self.tokens = TokenRepository(connection)
