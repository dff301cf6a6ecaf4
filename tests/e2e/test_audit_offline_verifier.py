"""The audit log end to end: Kafka -> chain -> signed checkpoint -> export -> offline verifier.

Then the cheats: someone with superuser access edits, deletes or reorders
rows, or swaps a checkpoint; the SQL verifier and the offline verifier (run
as its own process, with no database) both name the same first bad position.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import audit.entrypoints.app as audit_app
import audit.settings
from audit.domain.checkpoint import b64url, public_key_bytes
from canonical.events.envelope import CloudEvent
from canonical.events.registry import topic_name
from canonical.testing import ADMIN, TestDatabase, eventually, generate_identity_keys, publish, serving
from tests.e2e.stack import behind_gateway, fresh_database, until_ready

pytestmark = pytest.mark.e2e

EVENTS = 12


@dataclass(frozen=True)
class Audit:
    client: httpx.AsyncClient
    database: TestDatabase
    public_key: str
    prefix: str


@pytest.fixture
async def audit_service() -> AsyncIterator[Audit]:
    database = await fresh_database("audit")
    identity = generate_identity_keys()
    key = Ed25519PrivateKey.generate()
    settings = audit.settings.Settings(
        database_url=database.app_url,
        sentry_audit_signing_key=b64url(key.private_bytes_raw()),
        audit_checkpoint_interval_s=1,
        **behind_gateway(identity),
    )
    async with (
        serving(audit_app.create_app(settings)) as base_url,
        httpx.AsyncClient(base_url=base_url, headers=identity.headers(ADMIN), timeout=30) as client,
    ):
        await until_ready(base_url)
        yield Audit(client, database, b64url(public_key_bytes(key.public_key())), settings.kafka_topic_prefix)


async def record_through_kafka(service: Audit, count: int, first: int = 0) -> None:
    events = [
        CloudEvent(source="/test", type="pick.confirmed", subject=f"so-{n}", actor="picker", data={"n": n}).to_json()
        for n in range(first, first + count)
    ]
    await publish(topic_name(service.prefix, "catalog"), *events)

    async def checkpointed() -> bool:
        response = await service.client.get("/api/admin/audit-log/checkpoints/latest")
        return response.status_code == 200 and response.json()["tree_size"] == first + count

    await eventually(checkpointed, timeout_s=30)


async def export(service: Audit, path: Path) -> Path:
    response = await service.client.get("/api/admin/audit-log/export")
    assert response.status_code == 200
    return save(path, response.text)


def save(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def load(path: Path) -> str:
    return path.read_text()


def verifier(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "audit.verify", "--no-progress", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def sql_first_bad(database: TestDatabase) -> tuple[int | None, int | None]:
    connection = await asyncpg.connect(database.admin_url)
    try:
        return (
            await connection.fetchval("SELECT verify_audit_log_chain()"),
            await connection.fetchval("SELECT verify_audit_checkpoints()"),
        )
    finally:
        await connection.close()


async def test_an_honest_log_and_its_proofs_verify_offline(audit_service: Audit, tmp_path: Path) -> None:
    await record_through_kafka(audit_service, 5)
    await record_through_kafka(audit_service, EVENTS - 5, first=5)
    exported = await export(audit_service, tmp_path / "log.jsonl")
    lines = [json.loads(line) for line in load(exported).splitlines()]
    assert [next(iter(line)) for line in lines].count("checkpoint") == 2
    result = verifier(str(exported), f"--public-key={audit_service.public_key}")
    assert result.returncode == 0, result.stderr
    assert f"ok: {EVENTS} entries, 2 checkpoints verified" in result.stdout

    inclusion = (await audit_service.client.get("/api/admin/audit-log/proofs/inclusion?log_id=3")).json()
    consistency = (await audit_service.client.get("/api/admin/audit-log/proofs/consistency?first=5")).json()
    save(tmp_path / "inclusion.json", json.dumps(inclusion))
    save(tmp_path / "consistency.json", json.dumps(consistency))
    save(tmp_path / "anchored.json", json.dumps(consistency["second_checkpoint"]))
    proofs = verifier(
        f"--public-key={audit_service.public_key}",
        "--inclusion",
        str(tmp_path / "inclusion.json"),
        "--consistency",
        str(tmp_path / "consistency.json"),
    )
    assert proofs.returncode == 0, proofs.stderr
    anchored = verifier(
        str(exported), f"--public-key={audit_service.public_key}", "--checkpoint", str(tmp_path / "anchored.json")
    )
    assert anchored.returncode == 0, anchored.stderr

    inclusion["row_hash"] = "00" * 32
    save(tmp_path / "inclusion.json", json.dumps(inclusion))
    forged = verifier(f"--public-key={audit_service.public_key}", "--inclusion", str(tmp_path / "inclusion.json"))
    assert forged.returncode == 1
    assert "first bad position 3 (inclusion_proof)" in forged.stderr


@pytest.mark.parametrize(
    ("statement", "first_bad"),
    [
        ("UPDATE audit_log SET details = '{\"n\":99}' WHERE log_id = 4", 4),
        ("DELETE FROM audit_log WHERE log_id = 6", 6),
        (
            "UPDATE audit_log SET log_id = -2 WHERE log_id = 2; UPDATE audit_log SET log_id = 2 WHERE log_id = 3;"
            " UPDATE audit_log SET log_id = 3 WHERE log_id = -2",
            2,
        ),
        ("DELETE FROM audit_log WHERE log_id >= 10", 10),
    ],
    ids=["edit-details", "delete-row", "reorder", "delete-tail"],
)
async def test_sql_and_offline_verifiers_find_the_same_first_bad_row(
    audit_service: Audit, tmp_path: Path, statement: str, first_bad: int
) -> None:
    await record_through_kafka(audit_service, EVENTS)
    connection = await asyncpg.connect(audit_service.database.admin_url)
    try:
        await connection.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        await connection.execute(statement)
        await connection.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
    finally:
        await connection.close()
    assert (await sql_first_bad(audit_service.database))[0] == first_bad
    result = verifier(
        str(await export(audit_service, tmp_path / "log.jsonl")), f"--public-key={audit_service.public_key}"
    )
    assert result.returncode == 1
    assert f"first bad position {first_bad} " in result.stderr


async def test_a_swapped_checkpoint_is_caught_by_sql_and_offline(audit_service: Audit, tmp_path: Path) -> None:
    await record_through_kafka(audit_service, 4)
    await record_through_kafka(audit_service, 4, first=4)
    exported = await export(audit_service, tmp_path / "log.jsonl")
    lines = load(exported).splitlines()
    positions = [i for i, line in enumerate(lines) if line.startswith('{"checkpoint"')]
    first, second = (json.loads(lines[i])["checkpoint"] for i in positions)
    # Present the first checkpoint's signed root as if it were the second one's.
    swapped = {**second, "root_hash": first["root_hash"]}
    lines[positions[1]] = json.dumps({"checkpoint": swapped})
    save(tmp_path / "swapped.jsonl", "\n".join(lines) + "\n")
    result = verifier(str(tmp_path / "swapped.jsonl"), f"--public-key={audit_service.public_key}")
    assert result.returncode == 1
    assert "first bad position 8 (checkpoint_signature)" in result.stderr

    connection = await asyncpg.connect(audit_service.database.admin_url)
    try:
        await connection.execute("ALTER TABLE audit_checkpoints DISABLE TRIGGER USER")
        await connection.execute(
            "UPDATE audit_checkpoints SET root_hash = decode($1, 'hex') WHERE tree_size = 8", first["root_hash"]
        )
        await connection.execute("ALTER TABLE audit_checkpoints ENABLE TRIGGER USER")
    finally:
        await connection.close()
    assert await sql_first_bad(audit_service.database) == (None, 8)


def test_usage_errors_exit_with_2_and_say_why(tmp_path: Path) -> None:
    assert verifier().returncode == 2
    bad_key = verifier(str(tmp_path / "missing.jsonl"), "--public-key=not-a-key")
    assert bad_key.returncode == 2
    assert "--public-key" in bad_key.stderr
    key = b64url(public_key_bytes(Ed25519PrivateKey.generate().public_key()))
    missing = verifier(str(tmp_path / "missing.jsonl"), f"--public-key={key}")
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr
    assert "Exit codes" in verifier("--help").stdout
