"""Checking an exported audit log, its checkpoints and proofs, with no database.

The same rules as the SQL function `verify_audit_log_chain()` (log ids 1..n
without gaps, each prev_hash the row_hash before it, each row_hash recomputed
from the stored texts, no event recorded twice), plus what SQL cannot check:
every checkpoint's Ed25519 signature, and its Merkle root and head hash
against the log prefix it claims to cover.

The verifier reads entries one at a time (memory grows with the set of event
ids only) and stops at the first problem: its position is the log_id of the
first bad row, or the tree size of the first bad checkpoint.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit.domain.chain import GENESIS_HASH, StoredEntry, row_preimage
from audit.domain.checkpoint import CheckpointError, SignedCheckpoint
from audit.domain.merkle import CompactRange, ProofError, leaf_hash, verify_consistency, verify_inclusion


@dataclass(frozen=True)
class Finding:
    position: int  # log_id of the first bad row, or tree size of the first bad checkpoint
    problem: str  # stable code
    message: str


class MalformedRow(ValueError):
    """A row in export form that is not one: wrong length or types, or text that is not Unicode."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index  # in the rows given to LogVerifier.add_rows


@dataclass(frozen=True)
class Report:
    entries: int
    checkpoints_verified: int
    anchored_size: int  # rows covered by a verified checkpoint
    finding: Finding | None


class LogVerifier:
    """Feed entries in log order with `add` or `add_rows`, then call `finish`; each returns the first finding."""

    def __init__(self, checkpoints: Iterable[SignedCheckpoint], public_key: Ed25519PublicKey) -> None:
        self._pending = sorted(checkpoints, key=lambda c: c.tree_size)
        self._public_key = public_key
        self._tree = CompactRange()
        self._prev_hash = GENESIS_HASH
        self._event_ids: dict[str, int] = {}
        self._verified = 0
        self._anchored = 0
        self.finding: Finding | None = None

    def add(self, entry: StoredEntry) -> Finding | None:
        return self.add_rows([entry.export_row()])

    def add_rows(self, rows: Sequence[Sequence[Any]]) -> Finding | None:
        """Rows in export form (StoredEntry.export_row), in log order; raises MalformedRow.

        One loop over plain lists with the state in locals, because it runs a million times
        for a million-row log: no object per row, each row hashed once from its exported texts.
        """
        if self.finding is not None:
            return self.finding
        sha256, preimage, event_ids = hashlib.sha256, row_preimage, self._event_ids
        size, prev_hash, prev_hex = self._tree.size, self._prev_hash, self._prev_hash.hex()
        pending_size = self._next_pending_size()
        new_rows: list[bytes] = []
        for index, row in enumerate(rows):
            try:
                *fields, claimed_prev, claimed_hash = row
                digest = sha256(prev_hash + preimage(*fields)).digest()  # TypeError unless 11 fields
                log_id, event_id, warehouse_id = fields[0], fields[1], fields[6]
                if type(log_id) is not int or not (warehouse_id is None or type(warehouse_id) is int):
                    raise TypeError("log_id and warehouse_id must be integers")
            except (TypeError, ValueError) as error:
                self._grow(new_rows, prev_hash)
                raise MalformedRow(index, f"not an exported row: {error}") from None
            expected_id = size + 1
            problem = None
            if log_id != expected_id:
                position, problem, message = min(log_id, expected_id), "gap", f"expected log_id {expected_id}"
            elif claimed_prev != prev_hex:
                position, problem, message = log_id, "broken_link", "prev_hash is not the previous row's row_hash"
            elif digest.hex() != claimed_hash:
                position, problem, message = log_id, "hash_mismatch", "row_hash does not match the row's contents"
            elif (first := event_ids.setdefault(event_id, log_id)) != log_id:
                position, problem, message = log_id, "duplicate_event", f"event {event_id} already at log_id {first}"
            if problem is not None:
                self._grow(new_rows, prev_hash)
                return self._found(position, problem, message)
            new_rows.append(digest)
            size += 1
            prev_hash, prev_hex = digest, claimed_hash
            if size >= pending_size:
                self._grow(new_rows, prev_hash)
                new_rows = []
                if (finding := self._check_pending()) is not None:
                    return finding
                pending_size = self._next_pending_size()
        self._grow(new_rows, prev_hash)
        return None

    def add_checkpoint(self, checkpoint: SignedCheckpoint) -> Finding | None:
        """A checkpoint met while reading (an export lists each one right after its last row)."""
        if self.finding is not None:
            return self.finding
        if checkpoint.tree_size > self._tree.size:
            self._pending = sorted([*self._pending, checkpoint], key=lambda c: c.tree_size)
            return None
        if checkpoint.tree_size < self._tree.size:
            return self._found(
                checkpoint.tree_size, "checkpoint_out_of_place", "checkpoint listed after rows it does not cover"
            )
        return self._check_checkpoint(checkpoint)

    def finish(self) -> Finding | None:
        if self.finding is None and self._pending:
            missing = self._pending[0].tree_size
            self._found(
                self._tree.size + 1,
                "log_truncated",
                f"a checkpoint covers {missing} rows, the log holds {self._tree.size}",
            )
        return self.finding

    def report(self) -> Report:
        return Report(self._tree.size, self._verified, self._anchored, self.finding)

    def _next_pending_size(self) -> int:
        return self._pending[0].tree_size if self._pending else sys.maxsize

    def _grow(self, row_hashes: list[bytes], last_hash: bytes) -> None:
        self._tree.extend_with_rows(row_hashes)
        self._prev_hash = last_hash

    def _check_pending(self) -> Finding | None:
        """Check every checkpoint the rows read so far reach (signature, root, head hash)."""
        while self._pending and self._pending[0].tree_size <= self._tree.size:
            finding = self._check_checkpoint(self._pending.pop(0))
            if finding is not None:
                return finding
        return None

    def _check_checkpoint(self, checkpoint: SignedCheckpoint) -> Finding | None:
        size = checkpoint.tree_size
        try:
            checkpoint.verify(self._public_key)
        except CheckpointError as error:
            return self._found(size, "checkpoint_signature", str(error))
        if size != self._tree.size:  # only a checkpoint of size 0 or one listed twice gets here late
            return self._found(size, "checkpoint_root", "checkpoint does not match any prefix of the log")
        if checkpoint.head.head_hash != self._prev_hash or checkpoint.head.root_hash != self._tree.root():
            return self._found(
                size,
                "checkpoint_root",
                f"the log's rows {self._anchored + 1}..{size} differ from what checkpoint {size} signed",
            )
        self._verified += 1
        self._anchored = size
        return None

    def _found(self, position: int, problem: str, message: str) -> Finding:
        self.finding = Finding(position, problem, message)
        return self.finding


def check_inclusion_proof(document: Mapping[str, Any], public_key: Ed25519PublicKey) -> Finding | None:
    """An inclusion proof as the API serves it: the entry's row_hash, the path and the signed checkpoint."""
    try:
        checkpoint = SignedCheckpoint.from_json(document["checkpoint"])
        log_id = int(document["log_id"])
        row_hash = bytes.fromhex(document["row_hash"])
        path = [bytes.fromhex(node) for node in document["path"]]
    except (KeyError, TypeError, ValueError, CheckpointError) as error:
        return Finding(0, "malformed_proof", f"unreadable inclusion proof: {error}")
    try:
        checkpoint.verify(public_key)
    except CheckpointError as error:
        return Finding(checkpoint.tree_size, "checkpoint_signature", str(error))
    try:
        verify_inclusion(log_id - 1, checkpoint.tree_size, leaf_hash(row_hash), path, checkpoint.head.root_hash)
    except ProofError as error:
        return Finding(log_id, "inclusion_proof", str(error))
    return None


def check_consistency_proof(document: Mapping[str, Any], public_key: Ed25519PublicKey) -> Finding | None:
    """A consistency proof as the API serves it: both signed checkpoints and the path between them."""
    try:
        first = SignedCheckpoint.from_json(document["first_checkpoint"])
        second = SignedCheckpoint.from_json(document["second_checkpoint"])
        path = [bytes.fromhex(node) for node in document["path"]]
    except (KeyError, TypeError, ValueError, CheckpointError) as error:
        return Finding(0, "malformed_proof", f"unreadable consistency proof: {error}")
    for checkpoint in (first, second):
        try:
            checkpoint.verify(public_key)
        except CheckpointError as error:
            return Finding(checkpoint.tree_size, "checkpoint_signature", str(error))
    try:
        verify_consistency(first.tree_size, second.tree_size, first.head.root_hash, second.head.root_hash, path)
    except ProofError as error:
        return Finding(second.tree_size, "consistency_proof", str(error))
    return None
