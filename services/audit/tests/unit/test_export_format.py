"""The verifier's export format: rows as JSON arrays, old keyed entries still accepted, bad lines named."""

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit import verify as cli
from audit.domain import export
from audit.domain.chain import EXPORT_COLUMNS, AuditEntry, StoredEntry, extend_chain, row_preimage, stored_form
from audit.domain.checkpoint import TreeHead, b64url, public_key_bytes, sign_tree_head
from audit.domain.merkle import leaf_hash, tree_root
from audit.domain.verification import LogVerifier

KEY = Ed25519PrivateKey.generate()
PUBLIC_KEY = f"--public-key={b64url(public_key_bytes(KEY.public_key()))}"
MOMENT = datetime(2026, 1, 1, tzinfo=UTC)


def entry(n: int) -> AuditEntry:
    # Every third row carries non-ASCII text, a device and no warehouse: the encoder's slower branch.
    if n % 3 == 0:
        return AuditEntry(str(uuid.UUID(int=n)), "COUNT", "BIN", f"bin-{n}", "Zoë", None, "scanner-ü", {"é": n}, MOMENT)
    return AuditEntry(str(uuid.UUID(int=n)), "PICK", "SO", f"so-{n}", "picker", 1, None, {"n": n}, MOMENT)


def log(size: int) -> list[StoredEntry]:
    return [stored_form(c) for c in extend_chain(0, b"\x00", [entry(n) for n in range(1, size + 1)], MOMENT)]


def checkpoint_line(rows: list[StoredEntry]) -> str:
    root = tree_root([leaf_hash(r.row_hash) for r in rows])
    return export.checkpoint_line(sign_tree_head(TreeHead(len(rows), root, rows[-1].row_hash, MOMENT), KEY))


def reference_preimage(fields: tuple[Any, ...]) -> bytes:
    """The README's encoding, field by field: <UTF-8 byte length>:<UTF-8 text>, NULL as -:."""
    return b"".join(b"-:" if v is None else b"%d:%b" % (len(str(v).encode()), str(v).encode()) for v in fields)


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "log.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_the_fast_encoding_is_the_documented_one_for_ascii_and_other_text() -> None:
    for row in log(6):
        assert row_preimage(*row.hashed_fields()) == reference_preimage(row.hashed_fields())


def test_an_export_with_new_and_old_entry_lines_and_checkpoints_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = log(9)
    lines = [export.entry_line(r) for r in rows[:4]]
    lines.append(checkpoint_line(rows[:4]))
    # Exports saved before the format changed keep verifying: one keyed entry per line.
    lines += [json.dumps({"entry": dict(zip(EXPORT_COLUMNS, r.export_row(), strict=True))}) + "\n" for r in rows[4:6]]
    lines += ["\n", *[export.entry_line(r) for r in rows[6:]], checkpoint_line(rows)]
    assert cli.run([str(write(tmp_path, lines)), PUBLIC_KEY, "--no-progress"]) == cli.OK
    assert "ok: 9 entries, 2 checkpoints verified, 9 entries covered" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda row: row[:-1], "twelve columns"),
        (lambda row: [float(row[0]), *row[1:]], "log_id not an integer"),
        (lambda row: [*row[:6], True, *row[7:]], "warehouse_id a boolean"),
        # A list where text belongs would have len() of its items: it must never reach the hash.
        (lambda row: [*row[:5], ["pick", "er"], *row[6:]], "actor a list"),
        (lambda row: {"entry": "not an entry"}, "neither a row nor a record"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_malformed_row_is_named_by_its_line_even_across_chunks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, edit: Any, why: str
) -> None:
    monkeypatch.setattr(cli, "_CHUNK_BYTES", 600)  # a few lines per chunk
    rows = [r.export_row() for r in log(12)]
    rows[9] = edit(rows[9])
    lines = [json.dumps(r) + "\n" for r in rows[:5]] + ["\n"] + [json.dumps(r) + "\n" for r in rows[5:]]
    assert cli.run([str(write(tmp_path, lines)), PUBLIC_KEY, "--no-progress"]) == cli.TAMPERED
    assert "first bad position 11 (malformed_export): line 11 is not an export record" in capsys.readouterr().err


def test_a_line_that_is_not_json_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [export.entry_line(r) for r in log(3)]
    lines.insert(2, '[1, "unterminated\n')
    assert cli.run([str(write(tmp_path, lines)), PUBLIC_KEY, "--no-progress"]) == cli.TAMPERED
    assert "first bad position 3 (malformed_export): line 3 is not an export record: not JSON" in (
        capsys.readouterr().err
    )


def test_the_first_problem_in_the_file_is_reported_even_before_a_bad_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = log(4)
    lines = [export.entry_line(r) for r in [rows[0], replace(rows[1], actor="mallory"), *rows[2:]]]
    lines.insert(3, "not json\n")  # in the same chunk, after the edited row
    assert cli.run([str(write(tmp_path, lines)), PUBLIC_KEY, "--no-progress"]) == cli.TAMPERED
    assert "first bad position 2 (hash_mismatch)" in capsys.readouterr().err


def test_rows_and_entries_give_the_same_verdicts() -> None:
    rows = log(7)
    edited = replace(rows[4], entity_id="so-elsewhere")
    for candidate in (rows, [*rows[:4], edited, *rows[5:]]):
        one_by_one = LogVerifier([], KEY.public_key())
        for row in candidate:
            one_by_one.add(row)
        in_bulk = LogVerifier([], KEY.public_key())
        in_bulk.add_rows([row.export_row() for row in candidate])
        assert (one_by_one.finish(), one_by_one.report()) == (in_bulk.finish(), in_bulk.report())
