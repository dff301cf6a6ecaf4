#!/usr/bin/env python3
"""Native dev stack for Sentry WMS: install, configure, start and stop everything locally.

docs/platform-contract.md is the source of truth for ports, variables, roles and the
process layout; this script is its local implementation. Everything it writes lives in
.local/ (cluster, jars, data, logs, pid files) plus the .env secrets file at the root.
Standard library only: it has to run before .venv exists.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import http.client
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / ".env"
VENV = ROOT / ".venv"
VENV_BIN = VENV / "bin"
DEPS_STAMP = VENV / "devstack-deps.sha256"
LOCAL = ROOT / ".local"
RUN_DIR = LOCAL / "run"
LOG_DIR = LOCAL / "logs"
PG_DATA = LOCAL / "pg"
PG_SOCKET_DIR = RUN_DIR / "pg"
PG_LOG = LOG_DIR / "postgres.log"
REDIS_DIR = LOCAL / "redis"
KAFKA_DIR = LOCAL / "kafka"
KAFKA_LIBS = KAFKA_DIR / "libs"
KAFKA_LIBS_STAMP = KAFKA_DIR / "libs.sha256"
KAFKA_DATA = KAFKA_DIR / "data"
KAFKA_PROPERTIES = KAFKA_DIR / "server.properties"
KAFKA_INFRA = ROOT / "infra" / "kafka"

PG_ADMIN_USER = "sentry_admin"
PG_PORT = 5433
REDIS_URL = "redis://127.0.0.1:6380/0"
KAFKA_BOOTSTRAP = "127.0.0.1:9092"
INFRA_TIMEOUT_S = 90.0
SERVICES_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 20.0


class DevstackError(Exception):
    """A failure the user can act on: printed to stderr, exit status 1."""


@dataclass(frozen=True)
class Service:
    name: str
    port: int

    @property
    def env_prefix(self) -> str:
        return self.name.upper()

    @property
    def database_url_var(self) -> str:
        return f"{self.env_prefix}_DATABASE_URL"


# docs/platform-contract.md, "Services, ports, entry points".
SERVICES = (
    Service("gateway", 5000),
    Service("inventory", 5101),
    Service("inbound", 5102),
    Service("dispatcher", 5103),
    Service("connectors", 5104),
    Service("audit", 5105),
)


@dataclass(frozen=True)
class Database:
    """Owned by `<role>_owner` (NOLOGIN), used by the login `<role>` whose URL, password included, is in .env."""

    role: str
    url_var: str


SERVICE_DATABASES = tuple(Database(s.name, s.database_url_var) for s in SERVICES)
# libs/canonical has integration tests of its own (event store, outbox, consumer) but no
# application, so its database exists in the test set only.
LIBRARY_TEST_DATABASE = Database("canonical", "CANONICAL_TEST_DATABASE_URL")


def databases(suffix: str) -> list[Database]:
    return [*SERVICE_DATABASES, LIBRARY_TEST_DATABASE] if suffix == "_test" else list(SERVICE_DATABASES)


@dataclass(frozen=True)
class ProcessGroup:
    """A Procfile run by one background honcho, tracked by its pid file."""

    name: str
    procfile: Path

    @property
    def pidfile(self) -> Path:
        return RUN_DIR / f"{self.name}.pid"

    @property
    def logfile(self) -> Path:
        return LOG_DIR / f"{self.name}.log"


INFRA = ProcessGroup("infra", ROOT / "Procfile.infra")
APPS = ProcessGroup("apps", ROOT / "Procfile")


def say(message: str) -> None:
    print(f"[devstack] {message}", flush=True)


def warn(message: str) -> None:
    print(f"[devstack] warning: {message}", file=sys.stderr, flush=True)


def run(
    cmd: Sequence[str | Path],
    *,
    env: Mapping[str, str] | None = None,
    stdin_text: str | None = None,
    quiet: bool = False,
) -> None:
    """Run a command from the repo root; quiet commands show their output only when they fail."""
    argv = [str(part) for part in cmd]
    result = subprocess.run(
        argv,
        cwd=ROOT,
        env=None if env is None else dict(env),
        input=stdin_text,
        text=True,
        stdin=subprocess.DEVNULL if stdin_text is None else None,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
        check=False,
    )
    if result.returncode != 0:
        # Name the program and its first arguments only: later ones may hold a password.
        shown = argv[4:] if argv[0] == "runuser" else argv
        label = " ".join([Path(shown[0]).name, *shown[1:3]])
        output = f"\n{result.stdout.rstrip()}" if quiet and result.stdout else ""
        raise DevstackError(f"`{label} ...` failed with exit status {result.returncode}{output}")


# --- .env ------------------------------------------------------------------------------


def parse_env(text: str) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and # comments skipped, one layer of matching quotes removed."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def render_env(values: Mapping[str, str]) -> str:
    return "".join(f"{key}={value}\n" for key, value in values.items())


def pg_url(user: str, password: str, database: str, port: int = PG_PORT) -> str:
    return f"postgresql://{user}:{password}@127.0.0.1:{port}/{database}"


def fresh_env_values(signing_keypair: Callable[[], tuple[str, str]]) -> dict[str, str]:
    """Every variable the stack needs, with new secrets; the keypair is made only when asked for."""
    signing_key, verify_key = signing_keypair()
    values = {
        "JWT_SECRET": secrets.token_hex(32),
        # Fernet wants exactly this: urlsafe base64 of 32 random bytes.
        "SENTRY_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "SENTRY_TOKEN_PEPPER": secrets.token_hex(32),
        "SENTRY_PUBSUB_HMAC_KEY": secrets.token_hex(32),
        "REDIS_PASSWORD": secrets.token_hex(32),
        "SENTRY_INTERNAL_SIGNING_KEY": signing_key,
        "SENTRY_INTERNAL_VERIFY_KEY": verify_key,
        # The audit checkpoints' own Ed25519 seed: a raw seed needs no library, and its public
        # half is derived by the audit service, so it stays independent of the identity pair.
        "SENTRY_AUDIT_SIGNING_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("="),
        "SENTRY_PG_PORT": str(PG_PORT),
        "SENTRY_PG_ADMIN_URL": pg_url(PG_ADMIN_USER, secrets.token_hex(32), "postgres"),
        "REDIS_URL": REDIS_URL,
        "KAFKA_BOOTSTRAP_SERVERS": KAFKA_BOOTSTRAP,
        # Relative to the repo root, where honcho starts the services; the shipped template is ignored.
        "SENTRY_INBOUND_MAPPINGS_DIR": "services/inbound/mappings",
    }
    for service in SERVICES:
        values[service.database_url_var] = pg_url(service.name, secrets.token_hex(24), service.name)
    library = LIBRARY_TEST_DATABASE.role
    values[LIBRARY_TEST_DATABASE.url_var] = pg_url(library, secrets.token_hex(24), f"{library}_test")
    return values


def ensure_env_file(path: Path, signing_keypair: Callable[[], tuple[str, str]]) -> list[str]:
    """Create the file, or append the variables it lacks; never changes a value. Returns what was added."""
    existing = parse_env(path.read_text()) if path.exists() else {}
    has_pair = ["SENTRY_INTERNAL_SIGNING_KEY" in existing, "SENTRY_INTERNAL_VERIFY_KEY" in existing]
    if any(has_pair) and not all(has_pair):
        raise DevstackError(f"{path} holds one half of the Ed25519 pair: remove it to regenerate both")

    def keypair() -> tuple[str, str]:
        # Generating a pair costs a subprocess; when .env has one, these blanks are dropped below.
        return ("", "") if all(has_pair) else signing_keypair()

    missing = {k: v for k, v in fresh_env_values(keypair).items() if k not in existing}
    if not missing:
        path.chmod(0o600)
        return []
    header = "" if existing else "# Secrets of the native dev stack (scripts/devstack.py). Never commit.\n"
    # O_CREAT with 0600 so the secrets are never readable by others, not even for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as out:
        out.write(header + render_env(missing))
    path.chmod(0o600)
    return list(missing)


def ed25519_keypair() -> tuple[str, str]:
    """Raw seed and public key, base64url without padding (the contract's format); needs .venv."""
    script = (
        "import base64\n"
        "from cryptography.hazmat.primitives import serialization as s\n"
        "from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey\n"
        "k = Ed25519PrivateKey.generate()\n"
        "def b64(b): return base64.urlsafe_b64encode(b).rstrip(b'=').decode()\n"
        "print(b64(k.private_bytes(s.Encoding.Raw, s.PrivateFormat.Raw, s.NoEncryption())))\n"
        "print(b64(k.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)))\n"
    )
    python = VENV_BIN / "python"
    if not python.exists():
        raise DevstackError("the Ed25519 keypair needs .venv (cryptography): run `devstack.py deps` first")
    made = subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        raise DevstackError(f"generating the Ed25519 keypair failed:\n{made.stderr.strip()}")
    seed, public = made.stdout.split()
    return seed, public


def load_settings() -> dict[str, str]:
    if not ENV_FILE.exists():
        raise DevstackError(f"{ENV_FILE} is missing: run `devstack.py env` (or `make up`)")
    return parse_env(ENV_FILE.read_text())


def require(settings: Mapping[str, str], key: str) -> str:
    value = settings.get(key)
    if not value:
        raise DevstackError(f"{key} is missing from {ENV_FILE}: run `devstack.py env` to add it")
    return value


# --- URLs ------------------------------------------------------------------------------


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def without_password(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}@{host}" if parts.username else host))


def databases_for_tests(settings: Mapping[str, str]) -> dict[str, str]:
    """<ROLE>_TEST_DATABASE_URL (app login) and <ROLE>_TEST_ADMIN_URL on <role>_test, on the admin URL's server."""
    admin = urlsplit(require(settings, "SENTRY_PG_ADMIN_URL"))
    server = admin.netloc.rpartition("@")[2]
    urls: dict[str, str] = {}
    for database in databases("_test"):
        app = urlsplit(require(settings, database.url_var))
        path = f"/{database.role}_test"
        prefix = database.role.upper()
        app_netloc = f"{app.username}:{app.password}@{server}"
        urls[f"{prefix}_TEST_DATABASE_URL"] = urlunsplit(app._replace(netloc=app_netloc, path=path))
        urls[f"{prefix}_TEST_ADMIN_URL"] = urlunsplit(admin._replace(path=path))
    return urls


def host_port(address: str, default_port: int) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return (host, int(port)) if host else (address, default_port)


# --- processes -------------------------------------------------------------------------


def proc_state(pid: int) -> str | None:
    """The /proc state letter, or None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields start after the last ')'.
    return stat.rpartition(")")[2].split()[0]


def is_running(pid: int) -> bool:
    # A zombie (a child this very process has not reaped yet) is already dead.
    return proc_state(pid) not in (None, "Z")


def children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return children


def descendants(pid: int) -> list[int]:
    children = children_by_parent()
    found: list[int] = []
    todo = list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children.get(child, []))
    return found


def group_pid(group: ProcessGroup) -> int | None:
    """The recorded honcho pid if that process is still a live honcho (pids get reused)."""
    try:
        pid = int(group.pidfile.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"honcho" in cmdline and is_running(pid) else None


def start_group(group: ProcessGroup) -> None:
    """Start the group's honcho in a session of its own unless it runs already."""
    running = group_pid(group)
    if running is not None:
        say(f"{group.name} already running (pid {running})")
        return
    if not (VENV_BIN / "honcho").exists():
        raise DevstackError("honcho is not installed in .venv: run `devstack.py deps`")
    if group.logfile.exists():
        group.logfile.replace(group.logfile.with_suffix(".log.1"))
    with group.logfile.open("ab") as log:
        process = subprocess.Popen(
            [VENV_BIN / "honcho", "start", "--no-colour", "-f", group.procfile, "-e", ENV_FILE],
            cwd=ROOT,
            # Unbuffered, so that the log (and `devstack.py logs`) shows lines as they happen;
            # the Procfile's Python processes inherit it.
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    group.pidfile.write_text(f"{process.pid}\n")
    # Popen returns as soon as exec has begun; until the interpreter is loaded /proc shows
    # an empty command line, which group_pid would take for a stale pid file.
    deadline = time.monotonic() + 5.0
    while group_pid(group) is None and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    say(f"started {group.name} (honcho pid {process.pid}, log {group.logfile.relative_to(ROOT)})")


def stop_group(group: ProcessGroup) -> None:
    pid = group_pid(group)
    if pid is None:
        group.pidfile.unlink(missing_ok=True)
        return
    # honcho starts every Procfile process in a session of its own: remember them now,
    # so that they can be killed even if honcho dies before it could stop them.
    tree = [pid, *descendants(pid)]
    say(f"stopping {group.name} (honcho pid {pid})")
    # honcho forwards SIGTERM to each process; one that does not exit (a service still in its
    # startup, waiting for PostgreSQL or Kafka) leaves honcho waiting forever: hence the SIGKILL.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while any(is_running(p) for p in tree) and time.monotonic() < deadline:
        time.sleep(0.2)
    for leftover in (p for p in tree if is_running(p)):
        warn(f"{group.name}: pid {leftover} ignored SIGTERM, sending SIGKILL")
        with contextlib.suppress(ProcessLookupError):
            os.kill(leftover, signal.SIGKILL)
    group.pidfile.unlink(missing_ok=True)


HONCHO_STARTED = re.compile(r"\| (?P<name>\S+)\.1 started \(pid=(?P<pid>\d+)\)")


def process_pids(group: ProcessGroup) -> dict[str, int]:
    """Procfile entry -> pid of its live process, from honcho's 'NAME.1 started (pid=N)' log lines."""
    pids: dict[str, int] = {}
    if group.logfile.exists():
        with group.logfile.open(errors="replace") as log:
            for line in log:
                match = HONCHO_STARTED.search(line)
                if match:
                    pids[match["name"]] = int(match["pid"])
    return {name: pid for name, pid in pids.items() if is_running(pid)}


def tail(path: Path, lines: int) -> str:
    if not path.exists():
        return f"({path} does not exist)"
    with path.open(errors="replace") as log:
        return "".join(deque(log, maxlen=lines))


def wait_for(what: str, ready: Callable[[], bool], *, group: ProcessGroup | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if group is not None and group_pid(group) is None:
            log = group.logfile
            raise DevstackError(f"{what}: {group.name} exited; last lines of {log}:\n{tail(log, 40)}")
        if time.monotonic() > deadline:
            log = group.logfile if group else PG_LOG
            raise DevstackError(f"{what} not ready after {timeout:.0f}s; see {log}:\n{tail(log, 40)}")
        time.sleep(0.5)
    say(f"{what} ready")


# --- probes ----------------------------------------------------------------------------


def recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed mid-response")
        data += chunk
    return data


def kafka_metadata_request(correlation_id: int) -> bytes:
    """Metadata v4 (the oldest version Kafka 4 still serves) for no topics and no auto-creation."""
    client_id = b"devstack"
    header = struct.pack(">hhih", 3, 4, correlation_id, len(client_id)) + client_id
    body = struct.pack(">ib", 0, 0)
    return struct.pack(">i", len(header) + len(body)) + header + body


def kafka_ready(bootstrap: str) -> bool:
    """True once the first bootstrap server answers a metadata request listing at least one broker."""
    host, port = host_port(bootstrap.split(",")[0], 9092)
    try:
        with socket.create_connection((host, port), timeout=2.0) as sock:
            sock.sendall(kafka_metadata_request(correlation_id=7))
            (size,) = struct.unpack(">i", recv_exact(sock, 4))
            response = recv_exact(sock, size)
    except OSError:
        return False
    correlation_id, _throttle_ms, broker_count = struct.unpack_from(">iii", response)
    return bool(correlation_id == 7 and broker_count > 0)


def resp_command(*words: str) -> bytes:
    parts = [f"*{len(words)}\r\n".encode()]
    for word in words:
        encoded = word.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(encoded), encoded))
    return b"".join(parts)


def redis_ready(url: str, password: str) -> bool:
    parts = urlsplit(url)
    try:
        address = (parts.hostname or "127.0.0.1", parts.port or 6379)
        with socket.create_connection(address, timeout=2.0) as sock:
            sock.sendall(resp_command("AUTH", password) + resp_command("PING"))
            reply = b""
            while reply.count(b"\r\n") < 2:
                chunk = sock.recv(256)
                if not chunk:
                    break
                reply += chunk
    except OSError:
        return False
    return reply == b"+OK\r\n+PONG\r\n"


def http_status(port: int, path: str) -> int | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2.0)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def tcp_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


# --- deps ------------------------------------------------------------------------------


def pg_bin_dir() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    # Debian keeps the server binaries off PATH, one folder per major version.
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")]
    return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0, default=None)


def venv_module_missing() -> bool:
    """Debian's own python3.11 can create a virtualenv only once python3.11-venv is installed."""
    if (VENV_BIN / "python").exists():
        return False
    probe = subprocess.run([python_for_venv(), "-c", "import ensurepip"], capture_output=True, check=False)
    return probe.returncode != 0


def missing_apt_packages() -> list[str]:
    wanted = {"redis-server": "redis-server", "mvn": "maven", "java": "openjdk-17-jre-headless"}
    missing = [package for binary, package in wanted.items() if shutil.which(binary) is None]
    if pg_bin_dir() is None:
        missing.append("postgresql")
    if venv_module_missing():
        missing.append("python3.11-venv")
    return missing


def as_root(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return cmd
    if shutil.which("sudo"):
        return ["sudo", *cmd]
    raise DevstackError(f"root is needed for `{' '.join(cmd)}`: run it yourself, then retry")


def install_system_packages() -> None:
    packages = missing_apt_packages()
    if not packages:
        return
    say(f"installing {', '.join(packages)} with apt-get")
    apt = ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-q"]
    run(as_root([*apt, "update"]), quiet=True)
    run(as_root([*apt, "install", "-y", "--no-install-recommends", *packages]), quiet=True)


def fingerprint(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def python_packages() -> list[Path]:
    return [ROOT / "libs" / "canonical", *(ROOT / "services" / s.name for s in SERVICES)]


def python_for_venv() -> str:
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    found = shutil.which("python3.11")
    if found is None:
        raise DevstackError("python3.11 is needed to create .venv (every package requires >=3.11,<3.12)")
    return found


def install_python_packages() -> None:
    packages = python_packages()
    requirements = ROOT / "requirements-dev.txt"
    wanted = fingerprint([*(p / "pyproject.toml" for p in packages), requirements])
    if DEPS_STAMP.exists() and DEPS_STAMP.read_text().strip() == wanted:
        return
    if not (VENV_BIN / "python").exists():
        say("creating .venv")
        run([python_for_venv(), "-m", "venv", VENV])
    say("installing Python packages into .venv (editable)")
    editable = [arg for package in packages for arg in ("-e", str(package))]
    run([VENV_BIN / "python", "-m", "pip", "install", "-q", *editable, "-r", requirements])
    DEPS_STAMP.write_text(wanted + "\n")


def fetch_kafka() -> None:
    pom = KAFKA_INFRA / "pom.xml"
    wanted = fingerprint([pom])
    if KAFKA_LIBS.is_dir() and KAFKA_LIBS_STAMP.exists() and KAFKA_LIBS_STAMP.read_text().strip() == wanted:
        return
    say("fetching Kafka jars from Maven Central")
    staging = KAFKA_DIR / "libs.new"
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    run(["mvn", "-q", "-B", "-f", pom, "dependency:copy-dependencies", f"-DoutputDirectory={staging}"], quiet=True)
    # Swap the whole folder: jars of an older version left beside the new ones would share the classpath.
    shutil.rmtree(KAFKA_LIBS, ignore_errors=True)
    staging.rename(KAFKA_LIBS)
    KAFKA_LIBS_STAMP.write_text(wanted + "\n")


def cmd_deps(_: argparse.Namespace) -> int:
    install_system_packages()
    install_python_packages()
    fetch_kafka()
    say("dependencies ok")
    return 0


def cmd_env(_: argparse.Namespace) -> int:
    existed = ENV_FILE.exists()
    added = ensure_env_file(ENV_FILE, ed25519_keypair)
    if not existed:
        say(f"generated {ENV_FILE.relative_to(ROOT)} (mode 600)")
    elif added:
        say(f"added to {ENV_FILE.relative_to(ROOT)}: {', '.join(added)}")
    else:
        say(f"{ENV_FILE.relative_to(ROOT)} is complete (never overwritten)")
    return 0


# --- postgres --------------------------------------------------------------------------


def pg_tool(name: str) -> Path:
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        raise DevstackError("PostgreSQL server binaries not found: run `devstack.py deps`")
    return bin_dir / name


def as_pg_user(cmd: Sequence[str | Path]) -> list[str | Path]:
    # PostgreSQL refuses to run as root, so root hands the cluster to the `postgres` system user.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


def give_to_pg_user(*paths: Path) -> None:
    if os.geteuid() != 0:
        return
    for path in paths:
        shutil.chown(path, "postgres", "postgres")


def check_pg_user_can_reach(path: Path) -> None:
    if os.geteuid() != 0:
        return
    probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", str(path)], check=False)
    if probe.returncode != 0:
        raise DevstackError(f"the postgres user cannot write {path}: every parent folder of the repo needs o+x")


def pg_conf(port: int) -> str:
    return (
        "# Rewritten by scripts/devstack.py at every start (port from SENTRY_PG_PORT).\n"
        "listen_addresses = '127.0.0.1'\n"
        f"port = {port}\n"
        f"unix_socket_directories = '{PG_SOCKET_DIR}'\n"
        "password_encryption = 'scram-sha-256'\n"
        "# Dev data: losing the last commits on a crash is fine (no corruption), slow tests are not.\n"
        "synchronous_commit = off\n"
        "# Every service, test session and benchmark keeps its own pool; 100 runs out when they overlap.\n"
        "max_connections = 300\n"
        "# Which statements cost what, for profiling (`CREATE EXTENSION pg_stat_statements` where you read it).\n"
        "shared_preload_libraries = 'pg_stat_statements'\n"
    )


def init_pg_cluster(admin_url: str) -> None:
    if (PG_DATA / "PG_VERSION").exists():
        return
    say("initialising the PostgreSQL cluster in .local/pg")
    admin = urlsplit(admin_url)
    PG_DATA.mkdir(parents=True, exist_ok=True)
    give_to_pg_user(PG_DATA)
    check_pg_user_can_reach(PG_DATA)
    pwfile = PG_SOCKET_DIR / "initdb.pw"
    fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(f"{admin.password}\n")
    give_to_pg_user(pwfile)
    try:
        run(
            as_pg_user(
                [
                    pg_tool("initdb"),
                    "-D",
                    PG_DATA,
                    "-U",
                    admin.username or PG_ADMIN_USER,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            quiet=True,
        )
    finally:
        pwfile.unlink(missing_ok=True)
    with (PG_DATA / "postgresql.conf").open("a") as conf:
        conf.write("\ninclude 'sentry.conf'\n")


def pg_running() -> bool:
    if not (PG_DATA / "PG_VERSION").exists():
        return False
    status = subprocess.run(
        [str(p) for p in as_pg_user([pg_tool("pg_ctl"), "status", "-D", PG_DATA])],
        capture_output=True,
        check=False,
    )
    return status.returncode == 0


def start_postgres(settings: Mapping[str, str]) -> None:
    PG_SOCKET_DIR.mkdir(parents=True, exist_ok=True)
    PG_LOG.touch()
    give_to_pg_user(PG_SOCKET_DIR, PG_LOG)
    init_pg_cluster(require(settings, "SENTRY_PG_ADMIN_URL"))
    if pg_running():
        say("postgres already running")
        return
    port = int(settings.get("SENTRY_PG_PORT", PG_PORT))
    (PG_DATA / "sentry.conf").write_text(pg_conf(port))
    say(f"starting postgres on 127.0.0.1:{port}")
    try:
        run(as_pg_user([pg_tool("pg_ctl"), "start", "-D", PG_DATA, "-l", PG_LOG, "-w", "-t", "60"]), quiet=True)
    except DevstackError as error:
        raise DevstackError(f"{error}\nlast lines of {PG_LOG}:\n{tail(PG_LOG, 20)}") from error


def stop_postgres() -> None:
    if pg_running():
        say("stopping postgres")
        run(as_pg_user([pg_tool("pg_ctl"), "stop", "-D", PG_DATA, "-m", "fast", "-w"]), quiet=True)


def postgres_pid() -> int | None:
    try:
        pid = int((PG_DATA / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if is_running(pid) else None


def psql(admin_url: str, sql: str) -> None:
    # The password goes through the environment and the SQL through stdin: neither shows in `ps`.
    env = {**os.environ, "PGPASSWORD": urlsplit(admin_url).password or ""}
    run(
        [pg_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", without_password(admin_url)],
        env=env,
        stdin_text=sql,
        quiet=True,
    )


# --- kafka -----------------------------------------------------------------------------


def render_server_properties(template: str, data_dir: Path) -> str:
    return template.replace("@KAFKA_DATA_DIR@", str(data_dir))


def kafka_cluster_id() -> str:
    # Kafka's Uuid text form: 16 random bytes, base64url without padding; Kafka never
    # hands out one starting with '-' because the tools would read it as a flag.
    while True:
        cluster_id = base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):
            return cluster_id


def prepare_kafka() -> None:
    if not KAFKA_LIBS.is_dir():
        raise DevstackError("Kafka jars are missing: run `devstack.py deps`")
    template = (KAFKA_INFRA / "server.properties").read_text()
    KAFKA_PROPERTIES.write_text(render_server_properties(template, KAFKA_DATA))
    if (KAFKA_DATA / "meta.properties").exists():
        return
    say("formatting Kafka storage (single-node KRaft, standalone controller)")
    run(
        [
            "java",
            "-Xmx256m",
            f"-Dlog4j2.configurationFile={KAFKA_INFRA / 'log4j2.properties'}",
            "-cp",
            f"{KAFKA_LIBS}/*",
            "kafka.tools.StorageTool",
            "format",
            "--cluster-id",
            kafka_cluster_id(),
            "--config",
            KAFKA_PROPERTIES,
            "--standalone",
        ],
        quiet=True,
    )


# --- infra -----------------------------------------------------------------------------


def infra_up(settings: Mapping[str, str]) -> None:
    """Start PostgreSQL, Redis and Kafka unless running, and wait until each answers."""
    for folder in (RUN_DIR, LOG_DIR, REDIS_DIR, KAFKA_DATA):
        folder.mkdir(parents=True, exist_ok=True)
    prepare_kafka()
    # Redis and Kafka boot while postgres initialises.
    start_group(INFRA)
    start_postgres(settings)
    password = require(settings, "REDIS_PASSWORD")
    redis_url = settings.get("REDIS_URL", REDIS_URL)
    wait_for("redis", lambda: redis_ready(redis_url, password), group=INFRA, timeout=INFRA_TIMEOUT_S)
    bootstrap = settings.get("KAFKA_BOOTSTRAP_SERVERS", KAFKA_BOOTSTRAP)
    wait_for("kafka", lambda: kafka_ready(bootstrap), group=INFRA, timeout=INFRA_TIMEOUT_S)


def infra_running() -> tuple[bool, bool]:
    """Whether Redis+Kafka (honcho) and PostgreSQL are running now."""
    return group_pid(INFRA) is not None, pg_running()


def infra_down(keep: tuple[bool, bool] = (False, False)) -> None:
    """Stop Redis+Kafka and PostgreSQL, except what `keep` (from infra_running) says to leave."""
    keep_group, keep_postgres = keep
    if not keep_group:
        stop_group(INFRA)
    if not keep_postgres:
        stop_postgres()


def cmd_infra_up(_: argparse.Namespace) -> int:
    infra_up(load_settings())
    return 0


# --- provision -------------------------------------------------------------------------


def sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def provision_sql(app: str, app_password: str, database: str) -> str:
    """Idempotent psql script: owner and app roles (password synced with .env), database, CONNECT."""
    owner = f"{app}_owner"
    # Every name and the password go through sql_ident / sql_literal (or format's %I).
    return (
        f"SELECT format('CREATE ROLE %I NOLOGIN', {sql_literal(owner)})"  # noqa: S608
        f" WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {sql_literal(owner)})\\gexec\n"
        f"SELECT format('CREATE ROLE %I LOGIN', {sql_literal(app)})"
        f" WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {sql_literal(app)})\\gexec\n"
        f"ALTER ROLE {sql_ident(app)} WITH LOGIN PASSWORD {sql_literal(app_password)};\n"
        f"SELECT format('CREATE DATABASE %I OWNER %I', {sql_literal(database)}, {sql_literal(owner)})"
        f" WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = {sql_literal(database)})\\gexec\n"
        f"REVOKE ALL ON DATABASE {sql_ident(database)} FROM PUBLIC;\n"
        f"GRANT CONNECT ON DATABASE {sql_ident(database)} TO {sql_ident(app)};\n"
    )


def provision(settings: Mapping[str, str], suffix: str) -> None:
    """Roles and databases for every service (plus the library's, for tests), then the services' migrations."""
    admin_url = require(settings, "SENTRY_PG_ADMIN_URL")
    wanted = databases(suffix)
    for database in wanted:
        password = urlsplit(require(settings, database.url_var)).password or ""
        psql(admin_url, provision_sql(database.role, password, database.role + suffix))
    say(f"databases ready: {', '.join(d.role + suffix for d in wanted)}")
    if not (VENV_BIN / "sentry-migrate").exists():
        warn("sentry-migrate is not installed in .venv: migrations skipped")
        return
    for service in SERVICES:
        # The admin URL travels in the environment: a command line is visible to every local user.
        run(
            [
                VENV_BIN / "sentry-migrate",
                service.name,
                "--migrations",
                ROOT / "services" / service.name / "migrations",
            ],
            env={**os.environ, "SENTRY_MIGRATE_ADMIN_URL": with_database(admin_url, service.name + suffix)},
        )
    say(f"migrations applied ({suffix or 'dev'} databases)")


def cmd_provision(args: argparse.Namespace) -> int:
    provision(load_settings(), str(args.suffix))
    return 0


# --- up / down / status / logs ---------------------------------------------------------


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def seed(settings: Mapping[str, str]) -> None:
    """Demo data, or with SKIP_SEED the minimal layout: the seed reads SKIP_SEED itself and picks the variant."""
    if not (ROOT / "services/inventory/src/inventory/entrypoints/seed.py").exists():
        warn("services/inventory has no seed entry point yet: no demo data")
        return
    minimal = truthy(os.environ.get("SKIP_SEED")) or truthy(settings.get("SKIP_SEED"))
    say("SKIP_SEED is set: minimal layout, no demo data" if minimal else "seeding demo data")
    env = {**os.environ, **settings, "DATABASE_URL": require(settings, "INVENTORY_DATABASE_URL")}
    env["SKIP_SEED"] = "true" if minimal else "false"
    run([VENV_BIN / "python", "-m", "inventory.entrypoints.seed"], env=env)


def unready_services() -> list[Service]:
    """The services whose /readyz has not answered 200 before the timeout (or before honcho quit)."""
    pending = list(SERVICES)
    deadline = time.monotonic() + SERVICES_TIMEOUT_S
    while pending and time.monotonic() < deadline and group_pid(APPS) is not None:
        pending = [s for s in pending if http_status(s.port, "/readyz") != 200]
        if pending:
            time.sleep(1.0)
    return pending


def print_urls(settings: Mapping[str, str]) -> None:
    gateway, *internal = SERVICES
    say(f"gateway (API): http://127.0.0.1:{gateway.port}")
    for service in internal:
        say(f"{service.name:<11} http://127.0.0.1:{service.port} (internal)")
    password = "the ADMIN_PASSWORD in .env" if settings.get("ADMIN_PASSWORD") else "admin (changed at first login)"
    say(f"admin login: admin / {password}  (POST http://127.0.0.1:{gateway.port}/api/auth/login)")


def cmd_up(args: argparse.Namespace) -> int:
    cmd_deps(args)
    cmd_env(args)
    settings = load_settings()
    infra_up(settings)
    provision(settings, "")
    seed(settings)
    start_group(APPS)
    failed = unready_services()
    if failed:
        names = ", ".join(f"{s.name} (:{s.port})" for s in failed)
        # honcho stops every process as soon as one exits, so one crash leaves all of them down.
        why = "still running" if group_pid(APPS) else "exited (a service stopped, so honcho stopped all)"
        log = APPS.logfile
        print(f"devstack: not ready: {names}; honcho {why}\nlast lines of {log}:\n{tail(log, 60)}", file=sys.stderr)
        return 1
    say("all services ready")
    print_urls(settings)
    return 0


def cmd_down(_: argparse.Namespace) -> int:
    stop_group(APPS)
    infra_down()
    say("stopped")
    return 0


def status_rows(settings: Mapping[str, str]) -> list[tuple[str, str, str, str]]:
    infra_pids, app_pids = process_pids(INFRA), process_pids(APPS)
    port = int(settings.get("SENTRY_PG_PORT", PG_PORT))
    redis = redis_ready(settings.get("REDIS_URL", REDIS_URL), settings.get("REDIS_PASSWORD", ""))
    kafka = kafka_ready(settings.get("KAFKA_BOOTSTRAP_SERVERS", KAFKA_BOOTSTRAP))

    def row(name: str, pid: int | None, ok: bool, detail: str) -> tuple[str, str, str, str]:
        state = "up" if ok else ("not ready" if pid else "down")
        return (name, str(pid or "-"), state, detail)

    rows = [
        row("postgres", postgres_pid(), tcp_open(port), f"127.0.0.1:{port}"),
        row("redis", infra_pids.get("redis"), redis, "AUTH+PING"),
        row("kafka", infra_pids.get("kafka"), kafka, "metadata"),
    ]
    for service in SERVICES:
        code = http_status(service.port, "/readyz")
        pid = app_pids.get(service.name)
        rows.append(row(service.name, pid, code == 200, f"readyz {code or 'no answer'}"))
    return rows


def cmd_status(_: argparse.Namespace) -> int:
    rows = [("component", "pid", "state", "detail"), *status_rows(load_settings())]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip())
    return 0


def cmd_logs(args: argparse.Namespace) -> int:
    logs = [str(p) for p in (INFRA.logfile, APPS.logfile, PG_LOG) if p.exists()]
    if not logs:
        raise DevstackError(f"no logs yet in {LOG_DIR}")
    follow = [] if args.no_follow else ["-F"]
    return subprocess.run(["tail", "-n", str(args.lines), *follow, *logs], check=False).returncode


def cmd_clean(args: argparse.Namespace) -> int:
    cmd_down(args)
    shutil.rmtree(LOCAL, ignore_errors=True)
    say("removed .local (kept .env)")
    return 0


# --- test / lint / bench ---------------------------------------------------------------


def external_infra(dotenv: Mapping[str, str]) -> dict[str, str] | None:
    """Kafka and PostgreSQL given by the caller's environment (e.g. CI services), if they point elsewhere."""
    keys = ("KAFKA_BOOTSTRAP_SERVERS", "SENTRY_PG_ADMIN_URL")
    given = {k: os.environ[k] for k in keys if os.environ.get(k)}
    if len(given) < len(keys) or all(given[k] == dotenv.get(k) for k in keys):
        return None
    return given


def run_steps(steps: Sequence[tuple[str, list[str]]], env: Mapping[str, str]) -> dict[str, int]:
    results: dict[str, int] = {}
    for name, cmd in steps:
        say(f"running {name}")
        try:
            finished = subprocess.run(cmd, cwd=ROOT, env=dict(env), stdin=subprocess.DEVNULL, check=False)
        except FileNotFoundError as error:
            raise DevstackError(f"{cmd[0]} is missing: run `devstack.py deps`") from error
        results[name] = finished.returncode
    return results


def summarize(results: Mapping[str, int]) -> int:
    parts = [f"{name} {'ok' if rc == 0 else f'FAILED (exit {rc})'}" for name, rc in results.items()]
    say("summary: " + ", ".join(parts))
    return 0 if all(rc == 0 for rc in results.values()) else 1


def lint_steps() -> list[tuple[str, list[str]]]:
    return [("ruff", [str(VENV_BIN / "ruff"), "check", "."]), ("mypy", [str(VENV_BIN / "mypy")])]


def cmd_test(args: argparse.Namespace) -> int:
    cmd_deps(args)
    cmd_env(args)
    dotenv = load_settings()
    external = external_infra(dotenv)
    settings = {**dotenv, **(external or {})}
    if external:
        say(f"using the environment's Kafka ({external['KAFKA_BOOTSTRAP_SERVERS']}) and PostgreSQL")
    # Leave running afterwards exactly what was running before (a developer's `make up`).
    before = (True, True) if external else infra_running()
    try:
        if not external:
            infra_up(settings)
        provision(settings, "_test")
        env = {**os.environ, **settings, **databases_for_tests(settings), **TEST_KAFKA}
        forget_stale_test_topics(env)
        extra: list[str] = args.pytest_args
        pytest_args = extra[1:] if extra[:1] == ["--"] else extra
        steps = [*lint_steps(), ("pytest", [str(VENV_BIN / "pytest"), *pytest_args])]
        return summarize(run_steps(steps, env))
    finally:
        infra_down(keep=before)


# Test topics get one partition: every test creates its own set, and partitions cost the broker
# file handles; ordering tests need no more than one.
TEST_KAFKA = {"KAFKA_TOPIC_PARTITIONS": "1"}


def forget_stale_test_topics(env: Mapping[str, str]) -> None:
    """Delete `test.*` topics an interrupted run left behind (a finished run deletes its own)."""
    script = (
        "import asyncio, sys; from canonical.kafka import delete_topics_with_prefix; "
        "print(len(asyncio.run(delete_topics_with_prefix(sys.argv[1], 'test.'))))"
    )
    result = subprocess.run(
        [str(VENV_BIN / "python"), "-c", script, env.get("KAFKA_BOOTSTRAP_SERVERS", KAFKA_BOOTSTRAP)],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0 and result.stdout.strip() not in {"", "0"}:
        say(f"deleted {result.stdout.strip()} stale test topics")
    elif result.returncode != 0:
        warn("could not list stale test topics; continuing")


def cmd_test_env(_: argparse.Namespace) -> int:
    """Print the test environment as shell exports, for running one suite by hand against running infra."""
    settings = load_settings()
    if not all(infra_running()):
        raise DevstackError("the infra is not running: start it with `scripts/devstack.py infra-up`")
    # Progress (ours and the migration tool's) goes to stderr: stdout carries only the exports.
    sys.stdout.flush()
    saved_stdout = os.dup(1)
    os.dup2(2, 1)
    try:
        provision(settings, "_test")
    finally:
        sys.stdout.flush()
        os.dup2(saved_stdout, 1)
        os.close(saved_stdout)
    for key, value in sorted({**settings, **databases_for_tests(settings), **TEST_KAFKA}.items()):
        print(f"export {key}={shlex.quote(value)}")
    return 0


def cmd_lint(_: argparse.Namespace) -> int:
    return summarize(run_steps(lint_steps(), os.environ))


def cmd_bench(_: argparse.Namespace) -> int:
    # A benchmark is a script meant to run as a program; bench/ also holds helper modules.
    scripts = [p for p in sorted((ROOT / "bench").glob("*.py")) if '__name__ == "__main__"' in p.read_text()]
    if not scripts:
        say("no benchmarks in bench/")
        return 0
    env = {**os.environ, **load_settings()}
    steps = [(p.name, [str(VENV_BIN / "python"), str(p)]) for p in scripts]
    return summarize(run_steps(steps, env))


# --- CLI -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="devstack.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    simple: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {
        "deps": (cmd_deps, "install missing system packages, .venv packages and the Kafka jars"),
        "env": (cmd_env, "generate .env (never overwrites a value; adds missing ones)"),
        "infra-up": (cmd_infra_up, "start PostgreSQL, Redis and Kafka and wait until they answer"),
        "up": (cmd_up, "deps, env, infra-up, provision, seed, start the services, wait for /readyz"),
        "down": (cmd_down, "stop the services, Redis, Kafka and PostgreSQL started by this script"),
        "status": (cmd_status, "show every component: pid, state, probe"),
        "lint": (cmd_lint, "ruff check and mypy"),
        "test-env": (cmd_test_env, "provision the test databases and print their variables as shell exports"),
        "bench": (cmd_bench, "run every bench/*.py with the .venv python"),
        "clean": (cmd_clean, "down, then delete .local (keeps .env)"),
    }
    for name, (func, help_text) in simple.items():
        sub.add_parser(name, help=help_text, description=help_text).set_defaults(func=func)

    provision_parser = sub.add_parser("provision", help="create roles and databases, run the migrations")
    provision_parser.add_argument("--suffix", choices=["", "_test"], default="", help="database name suffix")
    provision_parser.set_defaults(func=cmd_provision)

    logs = sub.add_parser("logs", help="tail the infra, services and postgres logs")
    logs.add_argument("--lines", type=int, default=50, help="lines of history to show (default 50)")
    logs.add_argument("--no-follow", action="store_true", help="print and exit instead of following")
    logs.set_defaults(func=cmd_logs)

    test = sub.add_parser("test", help="start what the tests need, then ruff, mypy and pytest")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER, help="after --: passed to pytest")
    test.set_defaults(func=cmd_test)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except DevstackError as error:
        print(f"devstack: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`status | head`): end quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
