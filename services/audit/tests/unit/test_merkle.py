import hashlib

import pytest

from audit.domain.merkle import (
    EMPTY_ROOT,
    CompactRange,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(40)]


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 6962 §2.1, recursively."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def test_hashes_use_the_rfc_6962_domain_prefixes() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert tree_root([]) == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("size", range(1, 41))
def test_the_compact_range_root_is_the_rfc_root_at_every_size(size: int) -> None:
    assert tree_root(LEAVES[:size]) == reference_root(LEAVES[:size])
    compact = CompactRange()
    compact.extend(LEAVES[: size // 2])
    resumed = CompactRange(compact.size, list(compact.nodes))
    resumed.extend(LEAVES[size // 2 : size])
    assert resumed.root() == reference_root(LEAVES[:size])
    assert len(resumed.nodes) == bin(size).count("1")


def test_known_answer_for_three_leaves() -> None:
    a, b, c = LEAVES[:3]
    assert tree_root([a, b, c]) == node_hash(node_hash(a, b), c)
    assert inclusion_proof(2, [a, b, c]) == [node_hash(a, b)]
    assert consistency_proof(2, [a, b, c]) == [c]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 16, 31, 40])
def test_every_inclusion_proof_verifies_and_a_wrong_one_does_not(size: int) -> None:
    leaves = LEAVES[:size]
    root = tree_root(leaves)
    for index in range(size):
        path = inclusion_proof(index, leaves)
        verify_inclusion(index, size, leaves[index], path, root)
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaf_hash(b"forged"), path, root)
        if size > 1:
            with pytest.raises(ProofError):
                verify_inclusion((index + 1) % size, size, leaves[index], path, root)


@pytest.mark.parametrize("second", [1, 2, 3, 7, 8, 9, 16, 23, 40])
def test_every_consistency_proof_verifies_and_a_forked_tree_does_not(second: int) -> None:
    later = tree_root(LEAVES[:second])
    for first in range(0, second + 1):
        path = consistency_proof(first, LEAVES[:second])
        verify_consistency(first, second, tree_root(LEAVES[:first]), later, path)
        if 0 < first < second:
            forked = [*LEAVES[: first - 1], leaf_hash(b"rewritten"), *LEAVES[first:second]]
            with pytest.raises(ProofError):
                verify_consistency(first, second, tree_root(LEAVES[:first]), tree_root(forked), path)
