"""RFC 6962 / RFC 9162 Merkle tree over the audit log.

Leaf i (0-based) is the entry with log_id i + 1, and its hash is
`SHA-256(0x00 || row_hash)`; an interior node is `SHA-256(0x01 || left || right)`.
The distinct prefixes stop a leaf from posing as a node (second preimage).
Since every row_hash already commits to the whole chain before it, the tree
adds what the chain cannot give: a proof that one entry is in a signed tree
(about log2(n) hashes) and that a later tree extends an earlier one.

Everything here is pure computation on hashes: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that cannot be computed or does not verify."""


def leaf_hash(row_hash: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + row_hash).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly below `size` (size >= 2): where RFC 6962 splits a tree."""
    return 1 << ((size - 1).bit_length() - 1)


@dataclass
class CompactRange:
    """The roots of the perfect subtrees that make up a tree of `size` leaves, largest first.

    log2(n) hashes are enough to extend a tree and compute its root, so a
    checkpoint stores them and the next one hashes only the new leaves.
    """

    size: int = 0
    nodes: list[bytes] = field(default_factory=list)

    def append(self, leaf: bytes) -> None:
        self.extend((leaf,))

    def extend(self, leaves: Iterable[bytes]) -> None:
        # One tight loop with locals: a checkpoint or an offline verification runs it for every row.
        nodes, size, sha256 = self.nodes, self.size, hashlib.sha256
        for leaf in leaves:
            node, bits = leaf, size
            while bits & 1:  # each trailing 1 bit of the old size is a perfect subtree to merge with
                node = sha256(b"\x01" + nodes.pop() + node).digest()
                bits >>= 1
            nodes.append(node)
            size += 1
        self.size = size

    def extend_with_rows(self, row_hashes: Iterable[bytes]) -> None:
        """Append the leaves of these rows (leaf_hash, inlined)."""
        sha256 = hashlib.sha256
        self.extend([sha256(b"\x00" + row_hash).digest() for row_hash in row_hashes])

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        accumulated = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            accumulated = node_hash(node, accumulated)
        return accumulated

    def copy(self) -> CompactRange:
        return CompactRange(self.size, list(self.nodes))


def tree_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of leaf hashes."""
    compact = CompactRange()
    compact.extend(leaves)
    return compact.root()


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1 for the leaf at 0-based `index`."""
    if not 0 <= index < len(leaves):
        raise ProofError(f"leaf {index} is not in a tree of {len(leaves)} leaves")
    return _path(index, leaves)


def _path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*_path(index, leaves[:k]), tree_root(leaves[k:])]
    return [*_path(index - k, leaves[k:]), tree_root(leaves[:k])]


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 §2.1.2: the tree of the first `first` leaves is a prefix of this one."""
    if not 0 <= first <= len(leaves):
        raise ProofError(f"a tree of {first} leaves cannot precede one of {len(leaves)}")
    if first in (0, len(leaves)):
        return []
    return _subproof(first, leaves, complete=True)


def _subproof(first: int, leaves: Sequence[bytes], *, complete: bool) -> list[bytes]:
    if first == len(leaves):
        return [] if complete else [tree_root(leaves)]
    k = _split(len(leaves))
    if first <= k:
        return [*_subproof(first, leaves[:k], complete=complete), tree_root(leaves[k:])]
    return [*_subproof(first - k, leaves[k:], complete=False), tree_root(leaves[:k])]


def verify_inclusion(index: int, tree_size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2; raises ProofError unless `leaf` is at `index` of the tree with `root`."""
    if not 0 <= index < tree_size:
        raise ProofError(f"leaf {index} is outside a tree of {tree_size} leaves")
    fn, sn, computed = index, tree_size - 1, leaf
    for sibling in path:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            computed = node_hash(sibling, computed)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            computed = node_hash(computed, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0 or computed != root:
        raise ProofError("inclusion proof does not lead to the checkpoint's root")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2; raises ProofError unless tree `first` is a prefix of tree `second`."""
    if not 0 <= first <= second:
        raise ProofError(f"tree size {first} cannot precede {second}")
    if first == second:
        if path or first_root != second_root:
            raise ProofError("two checkpoints of one size must have the same root and an empty proof")
        return
    if first == 0:
        if path:
            raise ProofError("an empty tree needs an empty consistency proof")
        return
    if not path:
        raise ProofError("consistency proof is empty")
    nodes = [first_root, *path] if first & (first - 1) == 0 else list(path)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first_computed = second_computed = nodes[0]
    for node in nodes[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            first_computed = node_hash(node, first_computed)
            second_computed = node_hash(node, second_computed)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            second_computed = node_hash(second_computed, node)
        fn >>= 1
        sn >>= 1
    if sn != 0 or first_computed != first_root or second_computed != second_root:
        raise ProofError("consistency proof does not join the two checkpoints' roots")
