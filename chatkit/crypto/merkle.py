r"""Merkle trees as Certificate Transparency 2.0 builds them (RFC 9162, section 2.1), and their two kinds of proof.

A log of entries d0, d1, ... is summed up by one 32-byte hash, the tree head's root (section 2.1.1). A leaf is
hashed with a 0x00 byte in front and an inner node with 0x01, so no leaf can pass for a node (a second-preimage
trick). A tree of n > 1 leaves splits at k, the largest power of two below n: the root hashes the root of the first
k leaves with the root of the rest.

>>> entries = [b"alice", b"bob", b"carol"]
>>> root = tree_root(entries)
>>> len(root), root == node_hash(node_hash(leaf_hash(b"alice"), leaf_hash(b"bob")), leaf_hash(b"carol"))
(32, True)

An inclusion proof (2.1.3) shows that one entry is in a tree of a given size: the hashes beside the path from its
leaf to the root, enough to recompute the root and nothing more. A consistency proof (2.1.4) shows that a tree of
`old` leaves is the first `old` leaves of a bigger one: the log only grew, nothing was rewritten.

>>> check_inclusion(leaf_hash(b"bob"), 1, 3, inclusion_proof(1, entries), root)
>>> check_consistency(2, 3, tree_root(entries[:2]), root, consistency_proof(2, entries))
>>> check_consistency(2, 3, tree_root([b"alice", b"mallory"]), root, consistency_proof(2, entries))
Traceback (most recent call last):
    ...
chatkit.crypto.merkle.BadProof: the consistency proof from size 2 to size 3 does not rebuild both roots
"""

import hashlib
from collections.abc import Sequence

LEAF_PREFIX, NODE_PREFIX = b"\x00", b"\x01"  # RFC 9162, section 2.1.1: leaves and nodes can never be confused


class BadProof(ValueError):
    """A proof that does not show what it claims; the text says which proof and how it failed."""


def leaf_hash(entry: bytes) -> bytes:
    """Return the hash of one leaf: SHA-256(0x00 || entry)."""
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the hash of an inner node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """Return k, the largest power of two smaller than n (n > 1), where a tree of n leaves splits."""
    return 1 << ((n - 1).bit_length() - 1)


def tree_root(entries: Sequence[bytes]) -> bytes:
    """Return the Merkle tree hash of a list of entries (RFC 9162, 2.1.1); the empty tree hashes nothing."""
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return leaf_hash(entries[0])
    k = split_point(len(entries))
    return node_hash(tree_root(entries[:k]), tree_root(entries[k:]))


def inclusion_proof(index: int, entries: Sequence[bytes]) -> list[bytes]:
    """Return the audit path of entry `index` in the tree of `entries`, leaf side first (RFC 9162, 2.1.3.1)."""
    if not 0 <= index < len(entries):
        raise ValueError(f"entry {index} is not in a tree of {len(entries)} entries")
    if len(entries) == 1:
        return []
    k = split_point(len(entries))
    if index < k:
        return [*inclusion_proof(index, entries[:k]), tree_root(entries[k:])]
    return [*inclusion_proof(index - k, entries[k:]), tree_root(entries[:k])]


def check_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> None:
    """Raise BadProof unless `path` rebuilds `root` from the leaf hash at `index` of `size` (RFC 9162, 2.1.3.2)."""
    if not 0 <= index < size:
        raise BadProof(f"entry {index} cannot be in a tree of size {size}")
    fn, sn, hashed = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            raise BadProof(f"the inclusion proof of entry {index} is longer than a tree of size {size} allows")
        if fn & 1 or fn == sn:  # we are a right child (or the last node of our level): the sibling is on the left
            hashed = node_hash(sibling, hashed)
            fn, sn = skip_lone_levels(fn, sn)
        else:
            hashed = node_hash(hashed, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or hashed != root:
        raise BadProof(f"the inclusion proof of entry {index} does not rebuild the root of the tree of size {size}")


def consistency_proof(old: int, entries: Sequence[bytes]) -> list[bytes]:
    """Return the proof that the first `old` entries are a prefix of `entries` (RFC 9162, 2.1.4.1)."""
    if not 0 <= old <= len(entries):
        raise ValueError(f"a tree of {len(entries)} entries has no earlier size {old}")
    return [] if old == 0 else subproof(old, entries, True)


def subproof(old: int, entries: Sequence[bytes], whole: bool) -> list[bytes]:
    """Return SUBPROOF(old, entries, whole) of RFC 9162, 2.1.4.1 (`whole`: the old tree is this very subtree)."""
    if old == len(entries):
        return [] if whole else [tree_root(entries)]
    k = split_point(len(entries))
    if old <= k:
        return [*subproof(old, entries[:k], whole), tree_root(entries[k:])]
    return [*subproof(old - k, entries[k:], False), tree_root(entries[:k])]


def check_consistency(old: int, new: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]) -> None:
    """Raise BadProof unless `path` shows the tree of `old` leaves is a prefix of the one of `new` (2.1.4.2)."""
    if not 0 <= old <= new:
        raise BadProof(f"a log of size {new} cannot extend one of size {old}: a log never shrinks")
    if old == new or old == 0:  # nothing to prove: the same tree, or the empty one (every log starts with it)
        if path:
            raise BadProof(f"no proof is needed from size {old} to size {new}, yet one came")
        if old_root != new_root and old == new:
            raise BadProof(f"two trees of size {old} with different roots: the log was rewritten")
        return
    if not path:
        raise BadProof(f"the consistency proof from size {old} to size {new} is empty")
    rebuilt_old, rebuilt_new = rebuild_both(old, new, old_root, path)
    if (rebuilt_old, rebuilt_new) != (old_root, new_root):
        raise BadProof(f"the consistency proof from size {old} to size {new} does not rebuild both roots")


def rebuild_both(old: int, new: int, old_root: bytes, path: Sequence[bytes]) -> tuple[bytes, bytes]:
    """Return the two roots a consistency path rebuilds, following RFC 9162, 2.1.4.2 step by step."""
    if old & (old - 1) == 0:  # step 2: the old tree is a whole subtree, so the proof leaves its root out
        path = [old_root, *path]
    fn, sn = old - 1, new - 1
    while fn & 1:  # step 4: climb to the level where the old tree's last subtree starts
        fn, sn = fn >> 1, sn >> 1
    first = second = path[0]
    for sibling in path[1:]:  # step 6
        if sn == 0:
            raise BadProof(f"the consistency proof from size {old} to size {new} is too long")
        if fn & 1 or fn == sn:
            first, second = node_hash(sibling, first), node_hash(sibling, second)
            fn, sn = skip_lone_levels(fn, sn)
        else:
            second = node_hash(second, sibling)  # the new tree only: entries the old one did not have
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise BadProof(f"the consistency proof from size {old} to size {new} is too short")
    return first, second


def skip_lone_levels(fn: int, sn: int) -> tuple[int, int]:
    """Climb past the levels where our node was the last one and had no sibling (fn even and not 0)."""
    while not fn & 1 and fn != 0:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn
