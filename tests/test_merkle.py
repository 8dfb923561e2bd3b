"""The Merkle tree of RFC 9162 (chatkit/crypto/merkle.py): known roots, every proof of small trees, tampering fails."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatkit.crypto.merkle import (
    BadProof,
    check_consistency,
    check_inclusion,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    tree_root,
)

# The eight leaves of Certificate Transparency's own test data and the root of the first n of them, n = 1..8
KNOWN_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
KNOWN_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # SHA-256 of nothing
SIZES = range(1, 65)


def entries(n: int) -> list[bytes]:
    """Return n distinct entries."""
    return [f"entry {i}".encode() for i in range(n)]


@pytest.mark.parametrize("n", range(1, 9))
def test_the_roots_of_certificate_transparencys_test_data(n: int) -> None:
    assert tree_root([bytes.fromhex(leaf) for leaf in KNOWN_LEAVES[:n]]).hex() == KNOWN_ROOTS[n - 1]


def test_the_empty_tree_hashes_nothing() -> None:
    assert tree_root([]).hex() == EMPTY_ROOT


def test_a_leaf_never_passes_for_a_node() -> None:
    two = [b"a", b"b"]
    assert tree_root(two) != leaf_hash(leaf_hash(b"a") + leaf_hash(b"b"))


@pytest.mark.parametrize("n", SIZES)
def test_every_inclusion_proof_of_every_size_checks(n: int) -> None:
    log = entries(n)
    root = tree_root(log)
    for index in range(n):
        check_inclusion(leaf_hash(log[index]), index, n, inclusion_proof(index, log), root)


@pytest.mark.parametrize("n", SIZES)
def test_every_consistency_proof_between_sizes_up_to_64_checks(n: int) -> None:
    log = entries(n)
    for old in range(n + 1):
        check_consistency(old, n, tree_root(log[:old]), tree_root(log), consistency_proof(old, log))


def tampered(path: list[bytes]) -> list[list[bytes]]:
    """Return every one-change variant of a proof: each hash with a bit flipped, one hash short, one too many."""
    flipped = [[*path[:i], bytes([path[i][0] ^ 1]) + path[i][1:], *path[i + 1 :]] for i in range(len(path))]
    return [*flipped, path[:-1], [*path, bytes(32)]] if path else [[bytes(32)]]


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 21])
def test_a_tampered_inclusion_proof_is_refused(n: int) -> None:
    log = entries(n)
    root = tree_root(log)
    for index in range(n):
        for bad in tampered(inclusion_proof(index, log)):
            with pytest.raises(BadProof):
                check_inclusion(leaf_hash(log[index]), index, n, bad, root)
        with pytest.raises(BadProof):
            check_inclusion(leaf_hash(b"not in the log"), index, n, inclusion_proof(index, log), root)


@pytest.mark.parametrize("n", [2, 3, 5, 8, 13, 21])
def test_a_tampered_consistency_proof_is_refused(n: int) -> None:
    log = entries(n)
    for old in range(1, n):
        for bad in tampered(consistency_proof(old, log)):
            with pytest.raises(BadProof):
                check_consistency(old, n, tree_root(log[:old]), tree_root(log), bad)


@pytest.mark.parametrize("n", [2, 3, 5, 8, 13])
def test_a_rewritten_old_entry_breaks_consistency(n: int) -> None:
    log = entries(n)
    for old in range(1, n):
        rewritten = [b"mallory", *log[1:]]
        with pytest.raises(BadProof):
            check_consistency(old, n, tree_root(log[:old]), tree_root(rewritten), consistency_proof(old, rewritten))


def test_a_log_never_shrinks_and_one_size_has_one_root() -> None:
    log = entries(4)
    with pytest.raises(BadProof, match="never shrinks"):
        check_consistency(4, 3, tree_root(log), tree_root(log[:3]), [])
    with pytest.raises(BadProof, match="rewritten"):
        check_consistency(4, 4, tree_root(log), tree_root([b"x", *log[1:]]), [])
    with pytest.raises(BadProof, match="cannot be in"):
        check_inclusion(leaf_hash(log[0]), 4, 4, [], tree_root(log))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=40), st.data())
def test_any_log_proves_any_entry_and_any_earlier_size(log: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(log) - 1))
    old = data.draw(st.integers(0, len(log)))
    root = tree_root(log)
    check_inclusion(leaf_hash(log[index]), index, len(log), inclusion_proof(index, log), root)
    check_consistency(old, len(log), tree_root(log[:old]), root, consistency_proof(old, log))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=2, max_size=40, unique=True), st.data())
def test_a_proof_for_one_index_fails_for_another(log: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(log) - 1))
    other = data.draw(st.integers(0, len(log) - 1).filter(lambda i: i != index))
    with pytest.raises(BadProof):
        check_inclusion(leaf_hash(log[index]), other, len(log), inclusion_proof(index, log), tree_root(log))
