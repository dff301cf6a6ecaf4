"""Apply a service's plain-SQL migrations, in order, each recorded once.

The library's own tables (event store, outbox, consumer bookkeeping) come
first, then the service's `migrations/*.sql`. Each file runs in its own
transaction as the service's owner role; a file that was edited after it was
applied is refused (its checksum no longer matches). Grants for the app role
are re-applied at the end of every run, so new tables are never forgotten.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import sys
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import asyncpg

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
ADMIN_URL_VARIABLE = "SENTRY_MIGRATE_ADMIN_URL"
_LOCK_KEY = 7_404_202_601  # any constant: serialises concurrent runners on one database


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    name: str  # "<origin>/<file name>", unique across library and service
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def library_migrations() -> list[Migration]:
    folder = resources.files("canonical") / "sql"
    files = sorted(
        (f for f in folder.iterdir() if f.name.endswith(".sql") and f.name != "grants.sql"), key=lambda f: f.name
    )
    return [Migration(f"canonical/{f.name}", f.read_text(encoding="utf-8")) for f in files]


def service_migrations(service: str, folder: Path) -> list[Migration]:
    if not folder.is_dir():
        raise MigrationError(f"migrations folder {folder} does not exist")
    files = sorted(p for p in folder.glob("*.sql") if p.name != "grants.sql")
    return [Migration(f"{service}/{p.name}", p.read_text(encoding="utf-8")) for p in files]


def grant_statements(app_role: str, service_grants: str | None) -> str:
    library_grants = (resources.files("canonical") / "sql" / "grants.sql").read_text(encoding="utf-8")
    default = (
        f"GRANT USAGE ON SCHEMA public TO {app_role};\n"
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app_role};\n"
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app_role};\n"
    )
    parts = [default, library_grants, service_grants or ""]
    return "\n".join(part.replace("{app_role}", app_role) for part in parts)


def _checked_role(role: str) -> str:
    if not _ROLE_NAME.match(role):
        raise MigrationError(f"role name {role!r} is not a plain lower-case identifier")
    return role


async def migrate(
    admin_url: str,
    service: str,
    folder: Path,
    *,
    owner_role: str | None,
    app_role: str,
    report: bool = True,
) -> list[str]:
    """Apply pending migrations; return the names applied in this run."""
    app_role = _checked_role(app_role)
    migrations = library_migrations() + service_migrations(service, folder)
    grants_file = folder / "grants.sql"
    connection = await asyncpg.connect(admin_url)
    applied_now: list[str] = []
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        if owner_role:
            await connection.execute(f"SET ROLE {_checked_role(owner_role)}")
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name text PRIMARY KEY, checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT clock_timestamp())"
        )
        recorded = {
            r["name"]: r["checksum"] for r in await connection.fetch("SELECT name, checksum FROM schema_migrations")
        }
        for migration in migrations:
            if migration.name in recorded:
                if recorded[migration.name] != migration.checksum:
                    raise MigrationError(
                        f"{migration.name} was changed after it was applied; add a new migration instead"
                    )
                continue
            started = time.perf_counter()
            async with connection.transaction():
                await connection.execute(migration.sql)
                await connection.execute(
                    "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", migration.name, migration.checksum
                )
            applied_now.append(migration.name)
            if report:
                print(f"  applied {migration.name} ({(time.perf_counter() - started) * 1000:.0f} ms)", flush=True)
        service_grants = grants_file.read_text(encoding="utf-8") if grants_file.exists() else None
        async with connection.transaction():
            await connection.execute(grant_statements(app_role, service_grants))
    finally:
        await connection.close()
    return applied_now


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sentry-migrate", description="Apply a Sentry WMS service's database migrations."
    )
    parser.add_argument("service", help="service name, e.g. inventory")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(ADMIN_URL_VARIABLE),
        help=f"URL of a role allowed to SET ROLE to the owner (default: ${ADMIN_URL_VARIABLE}; prefer the"
        " variable, a command line is visible to every local user)",
    )
    parser.add_argument("--migrations", required=True, type=Path, help="the service's migrations folder")
    parser.add_argument("--owner-role", help="role that owns the objects (default <service>_owner; '' to skip)")
    parser.add_argument("--app-role", help="login role of the service (default <service>)")
    args = parser.parse_args(argv)
    if not args.admin_url:
        parser.error(f"no admin URL: set {ADMIN_URL_VARIABLE} or pass --admin-url")
    owner = f"{args.service}_owner" if args.owner_role is None else args.owner_role
    app = args.app_role or args.service
    print(f"migrating {args.service}", flush=True)
    try:
        applied = asyncio.run(migrate(args.admin_url, args.service, args.migrations, owner_role=owner, app_role=app))
    except (MigrationError, asyncpg.PostgresError, OSError) as error:
        print(f"sentry-migrate: {args.service}: {error}", file=sys.stderr)
        return 1
    print(f"  {len(applied)} migration(s) applied, grants refreshed for {app}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
