"""PostgreSQL access to users (the credentials stay in this table, never in events)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from canonical.db import Connection
from canonical.pagination import Page
from gateway.domain.errors import DuplicateUsername, StaleUser
from gateway.domain.users import NewUser, User

# A constant column list spliced into the queries below (hence the S608 waivers); values are always bound.
_COLUMNS = (
    "user_id, external_id::text AS external_id, username, full_name, role, warehouse_id, warehouse_ids,"
    " allowed_functions, is_active, must_change_password, password_changed_at, version"
)


def user_from_row(row: asyncpg.Record) -> User:
    return User(
        user_id=row["user_id"],
        external_id=row["external_id"],
        username=row["username"],
        full_name=row["full_name"],
        role=row["role"],
        warehouse_id=row["warehouse_id"],
        warehouse_ids=tuple(row["warehouse_ids"]),
        allowed_functions=tuple(row["allowed_functions"]),
        is_active=row["is_active"],
        must_change_password=row["must_change_password"],
        password_changed_at=row["password_changed_at"],
        version=row["version"],
    )


class UserRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def with_password_hash(self, username: str) -> tuple[User, str] | None:
        row = await self._connection.fetchrow(
            f"SELECT {_COLUMNS}, password_hash FROM users WHERE lower(username) = lower($1)",  # noqa: S608
            username.strip(),
        )
        return (user_from_row(row), row["password_hash"]) if row else None

    async def password_hash(self, user_id: int) -> str:
        value: str = await self._connection.fetchval("SELECT password_hash FROM users WHERE user_id = $1", user_id)
        return value

    async def get(self, user_id: int, *, for_update: bool = False) -> User | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._connection.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE user_id = $1{lock}", user_id)  # noqa: S608
        return user_from_row(row) if row else None

    async def exist(self) -> bool:
        return bool(await self._connection.fetchval("SELECT EXISTS (SELECT 1 FROM users)"))

    async def active_admins_locked(self) -> int:
        """Count active admins holding their rows, so two concurrent demotions cannot both pass (V-031)."""
        rows = await self._connection.fetch(
            "SELECT user_id FROM users WHERE role = 'ADMIN' AND is_active ORDER BY user_id FOR UPDATE"
        )
        return len(rows)

    async def add(self, new: NewUser, warehouse_id: int | None, password_hash: str, *, must_change: bool) -> User:
        try:
            row = await self._connection.fetchrow(
                "INSERT INTO users (external_id, username, password_hash, full_name, role, warehouse_id,"  # noqa: S608
                " warehouse_ids, allowed_functions, must_change_password, password_changed_at, version)"
                f" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), 1) RETURNING {_COLUMNS}",
                uuid.uuid4(),
                new.username.strip(),
                password_hash,
                new.full_name,
                new.role,
                warehouse_id,
                list(new.warehouse_ids),
                list(new.allowed_functions),
                must_change,
            )
        except asyncpg.UniqueViolationError:
            raise DuplicateUsername("Username already exists", legacy_error="Username already exists") from None
        assert row is not None  # INSERT ... RETURNING yields the row
        return user_from_row(row)

    async def save(self, user: User) -> User:
        """Write a decided change; the version guard turns a lost update into a 409."""
        row = await self._connection.fetchrow(
            "UPDATE users SET full_name = $2, role = $3, warehouse_id = $4, warehouse_ids = $5,"  # noqa: S608
            " allowed_functions = $6, is_active = $7, version = version + 1"
            f" WHERE user_id = $1 AND version = $8 RETURNING {_COLUMNS}",
            user.user_id,
            user.full_name,
            user.role,
            user.warehouse_id,
            list(user.warehouse_ids),
            list(user.allowed_functions),
            user.is_active,
            user.version,
        )
        if row is None:
            raise StaleUser("The user changed meanwhile; reload and retry.")
        return user_from_row(row)

    async def set_password(self, user_id: int, password_hash: str, *, new_version: bool = True) -> User:
        """`new_version=False` when the same change already bumped the version (one event per change)."""
        row = await self._connection.fetchrow(
            "UPDATE users SET password_hash = $2, password_changed_at = now(), must_change_password = false,"  # noqa: S608
            f" version = version + $3 WHERE user_id = $1 RETURNING {_COLUMNS}",
            user_id,
            password_hash,
            1 if new_version else 0,
        )
        assert row is not None  # callers hold the row (locked or authenticated), so it cannot be deleted meanwhile
        return user_from_row(row)

    async def delete(self, user_id: int) -> None:
        """Sessions and refresh tokens go with the row (ON DELETE CASCADE); the caller revoked them first."""
        await self._connection.execute("DELETE FROM users WHERE user_id = $1", user_id)

    async def touch_login(self, user_id: int) -> None:
        await self._connection.execute("UPDATE users SET last_login = now() WHERE user_id = $1", user_id)

    async def page(self, paging: Page) -> tuple[list[dict[str, Any]], int]:
        rows = await self._connection.fetch(
            f"SELECT {_COLUMNS}, last_login, created_at FROM users ORDER BY user_id LIMIT $1 OFFSET $2",  # noqa: S608
            paging.per_page,
            paging.offset,
        )
        total: int = await self._connection.fetchval("SELECT count(*) FROM users")
        return [
            {
                **user_from_row(r).public(),
                "last_login": r["last_login"].isoformat() if r["last_login"] else None,
                "created_at": r["created_at"].isoformat(),
            }
            for r in rows
        ], total
