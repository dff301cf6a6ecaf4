"""Unit tests of the pure parts of scripts/devstack.py (no PostgreSQL, Redis or Kafka needed)."""

from __future__ import annotations

import base64
import importlib.util
import re
import socket
import stat
import struct
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest
from honcho.environ import parse as honcho_parse
from honcho.environ import parse_procfile

ROOT = Path(__file__).resolve().parents[2]


def _load_devstack() -> ModuleType:
    # scripts/ is not a package: load the file the way `python scripts/devstack.py` does.
    spec = importlib.util.spec_from_file_location("devstack", ROOT / "scripts" / "devstack.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["devstack"] = module
    spec.loader.exec_module(module)
    return module


devstack = _load_devstack()

CONTRACT_PORTS = {
    "gateway": 5000,
    "inventory": 5101,
    "inbound": 5102,
    "dispatcher": 5103,
    "connectors": 5104,
    "audit": 5105,
}


def fake_keypair() -> tuple[str, str]:
    return ("seed-" + "a1" * 20, "public-" + "b2" * 20)


def never_called() -> tuple[str, str]:
    raise AssertionError("a keypair was generated although .env has one")


# --- service table and Procfiles -------------------------------------------------------


def test_service_table_matches_the_contract() -> None:
    assert {s.name: s.port for s in devstack.SERVICES} == CONTRACT_PORTS
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", s.name) for s in devstack.SERVICES)


def test_procfile_runs_every_service_with_its_own_database() -> None:
    processes = parse_procfile((ROOT / "Procfile").read_text()).processes
    assert set(processes) == set(CONTRACT_PORTS)
    for service in devstack.SERVICES:
        command = processes[service.name]
        assert command.startswith(f"DATABASE_URL=${service.database_url_var} exec ")
        assert command.endswith(f".venv/bin/python -m {service.name}")


def test_procfile_infra_uses_the_contract_ports() -> None:
    processes = parse_procfile((ROOT / "Procfile.infra").read_text()).processes
    assert set(processes) == {"redis", "kafka"}
    assert "--port 6380" in processes["redis"]
    assert '--requirepass "$REDIS_PASSWORD"' in processes["redis"]
    assert "--bind 127.0.0.1" in processes["redis"]
    assert "kafka.Kafka .local/kafka/server.properties" in processes["kafka"]
    assert "-Xmx768m" in processes["kafka"]


def test_kafka_template_listens_on_loopback_without_auto_created_topics() -> None:
    template = (ROOT / "infra" / "kafka" / "server.properties").read_text()
    rendered = devstack.render_server_properties(template, Path("/data/kafka"))
    settings = dict(line.split("=", 1) for line in rendered.splitlines() if line and not line.startswith("#"))
    assert settings["listeners"] == "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert settings["controller.quorum.bootstrap.servers"] == "127.0.0.1:9093"
    assert settings["auto.create.topics.enable"] == "false"
    assert settings["offsets.topic.replication.factor"] == "1"
    assert settings["transaction.state.log.replication.factor"] == "1"
    assert settings["transaction.state.log.min.isr"] == "1"
    assert settings["group.initial.rebalance.delay.ms"] == "0"
    assert settings["log.dirs"] == "/data/kafka"


# --- .env ------------------------------------------------------------------------------


def test_parse_env_skips_comments_and_strips_one_layer_of_quotes() -> None:
    text = "# comment\n\nA=1\n  B = two words \nC='quoted'\nD=\"x=y\"\nnot a pair\nE=a=b\n"
    assert devstack.parse_env(text) == {"A": "1", "B": "two words", "C": "quoted", "D": "x=y", "E": "a=b"}


def test_fresh_values_have_the_formats_the_services_check() -> None:
    values = devstack.fresh_env_values(fake_keypair)
    for key in ("JWT_SECRET", "SENTRY_TOKEN_PEPPER", "SENTRY_PUBSUB_HMAC_KEY", "REDIS_PASSWORD"):
        assert re.fullmatch(r"[0-9a-f]{64}", values[key]), key
    assert len(base64.urlsafe_b64decode(values["SENTRY_ENCRYPTION_KEY"])) == 32
    assert (values["SENTRY_INTERNAL_SIGNING_KEY"], values["SENTRY_INTERNAL_VERIFY_KEY"]) == fake_keypair()
    assert values["SENTRY_PG_PORT"] == "5433"
    assert values["REDIS_URL"] == "redis://127.0.0.1:6380/0"
    assert values["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:9092"
    admin = urlsplit(values["SENTRY_PG_ADMIN_URL"])
    assert (admin.username, admin.hostname, admin.port, admin.path) == ("sentry_admin", "127.0.0.1", 5433, "/postgres")


def test_fresh_values_give_each_service_its_own_role_and_password() -> None:
    values = devstack.fresh_env_values(fake_keypair)
    urls = [urlsplit(values[s.database_url_var]) for s in devstack.SERVICES]
    for service, url in zip(devstack.SERVICES, urls, strict=True):
        assert (url.username, url.hostname, url.port, url.path) == (service.name, "127.0.0.1", 5433, f"/{service.name}")
    assert len({url.password for url in urls}) == len(urls)


def test_rendered_env_reads_back_the_same_here_and_in_honcho() -> None:
    values = devstack.fresh_env_values(fake_keypair)
    text = devstack.render_env(values)
    assert devstack.parse_env(text) == values
    assert honcho_parse(text) == values


def test_env_file_is_created_private(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    added = devstack.ensure_env_file(env_file, fake_keypair)
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert set(added) == set(devstack.parse_env(env_file.read_text()))
    assert "JWT_SECRET" in added


def test_env_file_is_never_overwritten(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    devstack.ensure_env_file(env_file, fake_keypair)
    before = env_file.read_text()
    assert devstack.ensure_env_file(env_file, never_called) == []
    assert env_file.read_text() == before


def test_env_file_gets_missing_variables_appended_and_keeps_edits(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    devstack.ensure_env_file(env_file, fake_keypair)
    kept = [line for line in env_file.read_text().splitlines() if not line.startswith("JWT_SECRET=")]
    edited = [line.replace("REDIS_PASSWORD=", "REDIS_PASSWORD=mine") for line in kept]
    env_file.write_text("\n".join(edited) + "\nADMIN_PASSWORD=Secret123\n")
    assert devstack.ensure_env_file(env_file, never_called) == ["JWT_SECRET"]
    values = devstack.parse_env(env_file.read_text())
    assert values["REDIS_PASSWORD"].startswith("mine")
    assert values["ADMIN_PASSWORD"] == "Secret123"
    assert re.fullmatch(r"[0-9a-f]{64}", values["JWT_SECRET"])


def test_half_an_ed25519_pair_is_refused(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SENTRY_INTERNAL_SIGNING_KEY=abc\n")
    with pytest.raises(devstack.DevstackError, match="Ed25519"):
        devstack.ensure_env_file(env_file, fake_keypair)
    assert env_file.read_text() == "SENTRY_INTERNAL_SIGNING_KEY=abc\n"


# --- URLs and SQL ----------------------------------------------------------------------


def test_test_urls_point_at_the_test_databases() -> None:
    values = devstack.fresh_env_values(fake_keypair)
    values["SENTRY_PG_ADMIN_URL"] = "postgresql://admin:pw@db.example:6543/postgres"
    urls = devstack.databases_for_tests(values)
    app = urlsplit(urls["INVENTORY_TEST_DATABASE_URL"])
    own = urlsplit(values["INVENTORY_DATABASE_URL"])
    assert (app.username, app.password) == ("inventory", own.password)
    assert (app.hostname, app.port, app.path) == ("db.example", 6543, "/inventory_test")
    assert urls["AUDIT_TEST_ADMIN_URL"] == "postgresql://admin:pw@db.example:6543/audit_test"
    library = urlsplit(urls["CANONICAL_TEST_DATABASE_URL"])
    assert (library.username, library.hostname, library.path) == ("canonical", "db.example", "/canonical_test")
    assert urls["CANONICAL_TEST_ADMIN_URL"] == "postgresql://admin:pw@db.example:6543/canonical_test"
    assert len(urls) == 2 * (len(devstack.SERVICES) + 1)


def test_url_helpers() -> None:
    url = "postgresql://sentry_admin:s3cret@127.0.0.1:5433/postgres"
    assert devstack.with_database(url, "audit_test") == "postgresql://sentry_admin:s3cret@127.0.0.1:5433/audit_test"
    assert devstack.without_password(url) == "postgresql://sentry_admin@127.0.0.1:5433/postgres"
    assert devstack.host_port("127.0.0.1:9092", 1) == ("127.0.0.1", 9092)
    assert devstack.host_port("kafka", 9092) == ("kafka", 9092)


def test_provision_sql_is_idempotent_and_quotes_everything() -> None:
    sql = devstack.provision_sql("inventory", "pa'ss", "inventory_test")
    assert "WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'inventory_owner')\\gexec" in sql
    assert "CREATE ROLE %I NOLOGIN" in sql
    assert "WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'inventory_test')\\gexec" in sql
    assert "CREATE DATABASE %I OWNER %I', 'inventory_test', 'inventory_owner')" in sql
    assert "ALTER ROLE \"inventory\" WITH LOGIN PASSWORD 'pa''ss';" in sql
    assert 'REVOKE ALL ON DATABASE "inventory_test" FROM PUBLIC;' in sql
    assert 'GRANT CONNECT ON DATABASE "inventory_test" TO "inventory";' in sql


def test_the_library_database_exists_for_tests_only() -> None:
    assert [d.role for d in devstack.databases("")] == list(CONTRACT_PORTS)
    assert [d.role for d in devstack.databases("_test")] == [*CONTRACT_PORTS, "canonical"]


# --- environment override for `test` ---------------------------------------------------


def test_external_infra_only_when_both_point_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    dotenv = {
        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092",
        "SENTRY_PG_ADMIN_URL": "postgresql://a:b@127.0.0.1:5433/postgres",
    }
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("SENTRY_PG_ADMIN_URL", raising=False)
    assert devstack.external_infra(dotenv) is None
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    assert devstack.external_infra(dotenv) is None
    monkeypatch.setenv("SENTRY_PG_ADMIN_URL", dotenv["SENTRY_PG_ADMIN_URL"])
    assert devstack.external_infra(dotenv) == {
        "KAFKA_BOOTSTRAP_SERVERS": "kafka:9092",
        "SENTRY_PG_ADMIN_URL": dotenv["SENTRY_PG_ADMIN_URL"],
    }
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", dotenv["KAFKA_BOOTSTRAP_SERVERS"])
    assert devstack.external_infra(dotenv) is None


# --- stamps, logs, ids -----------------------------------------------------------------


def test_fingerprint_follows_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devstack, "ROOT", tmp_path)
    first, second = tmp_path / "a.toml", tmp_path / "b.txt"
    first.write_text("x")
    second.write_text("y")
    before = devstack.fingerprint([first, second])
    assert devstack.fingerprint([second, first]) == before
    second.write_text("z")
    assert devstack.fingerprint([first, second]) != before


def test_process_pids_reads_honcho_start_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devstack, "LOG_DIR", tmp_path)
    dead_pid = 2**22 + 1  # above the kernel's pid_max: never a live process
    (tmp_path / "apps.log").write_text(
        f"10:00:00 system       | gateway.1 started (pid={dead_pid})\n"
        "10:00:00 system       | inventory.1 started (pid=1)\n"
        "10:00:01 inventory.1  | this line says started (pid=99) but is not honcho's\n"
    )
    assert devstack.process_pids(devstack.APPS) == {"inventory": 1}


def test_kafka_cluster_id_is_a_kafka_uuid() -> None:
    for _ in range(50):
        cluster_id = devstack.kafka_cluster_id()
        assert len(cluster_id) == 22
        assert not cluster_id.startswith("-")
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


# --- probes against fake servers -------------------------------------------------------


@pytest.fixture
def fake_server() -> Iterator[tuple[int, list[bytes], list[bytes]]]:
    """A one-connection TCP server: records what it receives, answers with the queued reply."""
    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []
    replies: list[bytes] = []

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            received.append(connection.recv(4096))
            connection.sendall(replies[0])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], received, replies
    thread.join(timeout=5)
    listener.close()


def test_kafka_probe_sends_metadata_v4_and_needs_a_broker(fake_server: tuple[int, list[bytes], list[bytes]]) -> None:
    port, received, replies = fake_server
    body = struct.pack(">iii", 7, 0, 1) + b"rest of the response"
    replies.append(struct.pack(">i", len(body)) + body)
    assert devstack.kafka_ready(f"127.0.0.1:{port},other:9092")
    size, api_key, api_version = struct.unpack_from(">ihh", received[0])
    assert (api_key, api_version) == (3, 4)
    assert size == len(received[0]) - 4


def test_kafka_probe_rejects_a_cluster_without_brokers(fake_server: tuple[int, list[bytes], list[bytes]]) -> None:
    port, _, replies = fake_server
    body = struct.pack(">iii", 7, 0, 0)
    replies.append(struct.pack(">i", len(body)) + body)
    assert not devstack.kafka_ready(f"127.0.0.1:{port}")


def test_redis_probe_authenticates_then_pings(fake_server: tuple[int, list[bytes], list[bytes]]) -> None:
    port, received, replies = fake_server
    replies.append(b"+OK\r\n+PONG\r\n")
    assert devstack.redis_ready(f"redis://127.0.0.1:{port}/0", "pw")
    assert received[0] == b"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*1\r\n$4\r\nPING\r\n"


def test_redis_probe_fails_on_a_wrong_password(fake_server: tuple[int, list[bytes], list[bytes]]) -> None:
    port, _, replies = fake_server
    replies.append(b"-WRONGPASS invalid username-password pair\r\n-NOAUTH Authentication required.\r\n")
    assert not devstack.redis_ready(f"redis://127.0.0.1:{port}/0", "bad")


def test_probes_report_a_closed_port_as_down() -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    assert not devstack.kafka_ready(f"127.0.0.1:{port}")
    assert not devstack.redis_ready(f"redis://127.0.0.1:{port}/0", "pw")
    assert devstack.http_status(port, "/readyz") is None


# --- CLI -------------------------------------------------------------------------------


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        devstack.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("deps", "env", "infra-up", "provision", "up", "down", "status", "logs", "test"):
        assert command in out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        devstack.main(["launch"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
