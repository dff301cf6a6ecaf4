"""One transaction holds a change to users, sessions or tokens, its identity events and their outbox rows."""

from __future__ import annotations

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

    def __init__(self, pool: asyncpg.Pool, writer: EventWriter, registry: EventRegistry) -> None:
        super().__init__(pool, writer, registry, source=SOURCE)

    def attach(self, connection: Connection) -> None:
        self.users = UserRepository(connection)
        self.sessions = SessionRepository(connection)
        self.tokens = TokenRepository(connection)
