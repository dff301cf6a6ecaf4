"""Signed checkpoints (tree heads) of the audit log.

A checkpoint commits, under the audit service's Ed25519 key, to the size of
the log, its Merkle root and the chain hash of its last row, at a time. What
is signed is this text, one field a line, so any tool can rebuild it:

    sentry-wms audit checkpoint v1
    <tree_size>
    <root_hash, lower-case hex>
    <head_hash (row_hash of log_id tree_size), lower-case hex>
    <signed_at, YYYY-MM-DDTHH:MM:SS.ffffffZ>

A signature proves the service's key saw exactly this log prefix; it does not
prove the events themselves were true, nor that nothing was withheld before
they reached the log. Anchoring checkpoints outside (webhook, witness) is what
stops someone who holds the database and the key from quietly rewriting a
prefix that was already anchored.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from audit.domain.chain import format_timestamp, parse_timestamp

SIGNED_HEADER = "sentry-wms audit checkpoint v1"


class CheckpointError(ValueError):
    """A checkpoint that is malformed or whose signature does not verify."""


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """Short name of a verification key, so a rotated key is recognisable in old checkpoints."""
    return hashlib.sha256(public_key_bytes(key)).hexdigest()[:16]


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    root_hash: bytes
    head_hash: bytes
    signed_at: datetime

    def signed_message(self) -> bytes:
        return (
            f"{SIGNED_HEADER}\n{self.tree_size}\n{self.root_hash.hex()}\n{self.head_hash.hex()}\n"
            f"{format_timestamp(self.signed_at)}\n"
        ).encode("ascii")


@dataclass(frozen=True)
class SignedCheckpoint:
    head: TreeHead
    key_id: str
    signature: bytes

    @property
    def tree_size(self) -> int:
        return self.head.tree_size

    def verify(self, public_key: Ed25519PublicKey) -> None:
        if self.key_id != key_id(public_key):
            raise CheckpointError(f"checkpoint {self.tree_size} was signed by key {self.key_id}, not the one given")
        try:
            public_key.verify(self.signature, self.head.signed_message())
        except InvalidSignature:
            raise CheckpointError(f"checkpoint {self.tree_size} has an invalid signature") from None

    def to_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.head.tree_size,
            "root_hash": self.head.root_hash.hex(),
            "head_hash": self.head.head_hash.hex(),
            "signed_at": format_timestamp(self.head.signed_at),
            "key_id": self.key_id,
            "signature": b64url(self.signature),
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> SignedCheckpoint:
        try:
            head = TreeHead(
                tree_size=int(document["tree_size"]),
                root_hash=bytes.fromhex(document["root_hash"]),
                head_hash=bytes.fromhex(document["head_hash"]),
                signed_at=parse_timestamp(document["signed_at"]),
            )
            return cls(head, str(document["key_id"]), from_b64url(document["signature"]))
        except (KeyError, TypeError, ValueError) as error:
            raise CheckpointError(f"malformed checkpoint: {error}") from None


def sign_tree_head(head: TreeHead, key: Ed25519PrivateKey) -> SignedCheckpoint:
    return SignedCheckpoint(head, key_id(key.public_key()), key.sign(head.signed_message()))
