from pathlib import Path

import pytest

from canonical.migrations import MigrationError, grant_statements, library_migrations, migrate, service_migrations


def test_library_migrations_come_in_file_order_and_exclude_grants() -> None:
    names = [m.name for m in library_migrations()]
    assert names == sorted(names)
    assert names[0] == "canonical/001_event_store.sql"
    assert all(not n.endswith("grants.sql") for n in names)


def test_service_migrations_are_named_after_the_service(tmp_path: Path) -> None:
    (tmp_path / "002_b.sql").write_text("SELECT 2;")
    (tmp_path / "001_a.sql").write_text("SELECT 1;")
    (tmp_path / "grants.sql").write_text("GRANT ...;")
    assert [m.name for m in service_migrations("inventory", tmp_path)] == ["inventory/001_a.sql", "inventory/002_b.sql"]


def test_grants_name_the_app_role_everywhere() -> None:
    sql = grant_statements("inventory", "REVOKE DELETE ON audit_log FROM {app_role};")
    assert "{app_role}" not in sql
    assert "REVOKE UPDATE, DELETE, TRUNCATE ON event_store FROM inventory;" in sql
    assert "REVOKE DELETE ON audit_log FROM inventory;" in sql


async def test_role_names_that_could_inject_sql_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match="role name"):
        await migrate("postgresql://unused", "x", tmp_path, owner_role=None, app_role="x; DROP TABLE y")
