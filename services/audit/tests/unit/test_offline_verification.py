"""The offline verifier's rules on an in-memory log: every cheat is found at its first bad position."""

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.domain import export
from audit.domain.chain import AuditEntry, StoredEntry, extend_chain, stored_form
from audit.domain.checkpoint import SignedCheckpoint, TreeHead, sign_tree_head
from audit.domain.merkle import consistency_proof, inclusion_proof, leaf_hash, tree_root
from audit.domain.verification import Finding, LogVerifier, check_consistency_proof, check_inclusion_proof

KEY = Ed25519PrivateKey.generate()
MOMENT = datetime(2026, 1, 1, tzinfo=UTC)
Cheat = Callable[[list[StoredEntry]], list[StoredEntry]]


def entry(n: int) -> AuditEntry:
    return AuditEntry(str(uuid.UUID(int=n)), "PICK", "SO", f"so-{n}", "picker", 1, None, {"n": n}, MOMENT)


def log(size: int) -> list[StoredEntry]:
    return [stored_form(c) for c in extend_chain(0, b"\x00", [entry(n) for n in range(1, size + 1)], MOMENT)]


def checkpoint(rows: list[StoredEntry], size: int, key: Ed25519PrivateKey = KEY) -> SignedCheckpoint:
    root = tree_root([leaf_hash(r.row_hash) for r in rows[:size]])
    return sign_tree_head(TreeHead(size, root, rows[size - 1].row_hash, MOMENT), key)


def verify(rows: list[StoredEntry], checkpoints: list[SignedCheckpoint], through: str = "entries") -> Finding | None:
    """Through `add`, one entry at a time, or the way the CLI reads an export (lines, chunks, runs of rows)."""
    verifier = LogVerifier(checkpoints, KEY.public_key())
    if through == "export":
        lines = [export.entry_line(row).encode() for row in rows]
        for start in range(0, len(lines), 3):  # chunks that end mid-log and between checkpoints
            if export.feed(verifier, export.decode_lines(lines[start : start + 3])[0]) is not None:
                break
        return verifier.finish()
    for row in rows:
        if verifier.add(row) is not None:
            break
    return verifier.finish()


def rechain(rows: list[StoredEntry]) -> list[StoredEntry]:
    """What someone with database access and the published encoding could do: recompute every hash."""
    result: list[StoredEntry] = []
    prev = b"\x00"
    for position, row in enumerate(rows, start=1):
        row = replace(row, log_id=position, prev_hash=prev)
        row = replace(row, row_hash=row.computed_hash())
        result.append(row)
        prev = row.row_hash
    return result


def test_an_intact_log_with_checkpoints_verifies() -> None:
    rows = log(10)
    verifier = LogVerifier([checkpoint(rows, 4), checkpoint(rows, 10)], KEY.public_key())
    for row in rows:
        assert verifier.add(row) is None
    assert verifier.finish() is None
    assert (verifier.report().checkpoints_verified, verifier.report().anchored_size) == (2, 10)


@pytest.mark.parametrize(
    ("cheat", "position", "problem"),
    [
        (lambda rows: [*rows[:2], replace(rows[2], details='{"n":99}'), *rows[3:]], 3, "hash_mismatch"),
        (lambda rows: [*rows[:4], *rows[5:]], 5, "gap"),
        (lambda rows: [*rows[:1], replace(rows[2], log_id=2), replace(rows[1], log_id=3), *rows[3:]], 2, "broken_link"),
        (lambda rows: rows[:6], 7, "log_truncated"),
        (
            lambda rows: rechain([*rows, replace(rows[3], recorded_at="2026-01-02T00:00:00.000000Z")]),
            9,
            "duplicate_event",
        ),
        (lambda rows: rechain([*rows[:2], replace(rows[2], actor="mallory"), *rows[3:]]), 4, "checkpoint_root"),
    ],
    ids=["edit-details", "delete-row", "reorder", "delete-tail", "replay-event", "rewrite-and-rechain"],
)
@pytest.mark.parametrize("through", ["entries", "export"])
def test_each_cheat_is_found_at_its_first_bad_position(cheat: Cheat, position: int, problem: str, through: str) -> None:
    rows = log(8)
    finding = verify(cheat(rows), [checkpoint(rows, 4), checkpoint(rows, 8)], through)
    assert finding is not None
    assert (finding.position, finding.problem) == (position, problem)


@pytest.mark.parametrize("through", ["entries", "export"])
def test_a_swapped_checkpoint_is_refused(through: str) -> None:
    rows = log(8)
    other_log = log(9)[1:]  # another history of the same size
    forged = checkpoint(rechain(other_log), 8)  # validly signed, but for other rows
    finding = verify(rows, [checkpoint(rows, 4), forged], through)
    assert finding is not None
    assert (finding.position, finding.problem) == (8, "checkpoint_root")
    foreign = checkpoint(rows, 4, Ed25519PrivateKey.generate())
    finding = verify(rows, [foreign])
    assert finding is not None
    assert (finding.position, finding.problem) == (4, "checkpoint_signature")
    genuine = checkpoint(rows, 4)
    edited = SignedCheckpoint(replace(genuine.head, tree_size=5), genuine.key_id, genuine.signature)
    finding = verify(rows, [edited])
    assert finding is not None
    assert (finding.position, finding.problem) == (5, "checkpoint_signature")


def test_proof_documents_verify_and_tampered_ones_do_not() -> None:
    rows = log(11)
    leaves = [leaf_hash(r.row_hash) for r in rows]
    small, large = checkpoint(rows, 6), checkpoint(rows, 11)
    inclusion = {
        "log_id": 5,
        "row_hash": rows[4].row_hash.hex(),
        "path": [n.hex() for n in inclusion_proof(4, leaves)],
        "checkpoint": large.to_json(),
    }
    assert check_inclusion_proof(inclusion, KEY.public_key()) is None
    wrong_row = {**inclusion, "row_hash": rows[5].row_hash.hex()}
    assert check_inclusion_proof(wrong_row, KEY.public_key()) == Finding(
        5, "inclusion_proof", "inclusion proof does not lead to the checkpoint's root"
    )
    consistency = {
        "path": [n.hex() for n in consistency_proof(6, leaves)],
        "first_checkpoint": small.to_json(),
        "second_checkpoint": large.to_json(),
    }
    assert check_consistency_proof(consistency, KEY.public_key()) is None
    swapped = {**consistency, "first_checkpoint": checkpoint(rechain(log(12)[1:7]), 6).to_json()}
    finding = check_consistency_proof(swapped, KEY.public_key())
    assert finding is not None
    assert finding.problem == "consistency_proof"
