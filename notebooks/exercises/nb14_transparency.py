"""Notebook 14, exercises: check the key log's proofs yourself, as RFC 9162 (Certificate Transparency 2.0) says.

Use chatkit.crypto.merkle for the two hashes (leaf_hash, node_hash) and chatkit.protocol.key_entry for the bytes of
one entry of the log. Do not call merkle's check_inclusion or check_consistency: you are writing them.
"""

# The stubs need these imports too (ruff would call them unused there): your solution uses them.
from chatkit.crypto.merkle import leaf_hash, node_hash  # noqa: F401
from chatkit.protocol import key_entry  # noqa: F401


def leaf_of(name: str, pubkey: str) -> bytes:
    """Return the leaf hash of one entry of the key log: leaf_hash of key_entry(name, pubkey)."""
    raise NotImplementedError("your code here: replace this line")


def root_from_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """Return the root an inclusion proof rebuilds from the leaf at `index` of a tree of `size` (RFC 9162, 2.1.3.2).

    fn = index and sn = size - 1. For each hash p of the path: if sn is 0, the path is too long (return None). If
    fn is odd or fn == sn, the hash is on the left: r = node_hash(p, r), then, while fn is even and not 0, halve fn
    and sn. Otherwise it is on the right: r = node_hash(r, p). Then halve fn and sn. At the end sn must be 0
    (else return None: the path is too short).
    """
    raise NotImplementedError("your code here: replace this line")


def consistent(old_size: int, new_size: int, old_root: bytes, new_root: bytes, path: list[bytes]) -> bool:
    """Return True if `path` proves the log of `old_size` is the start of the log of `new_size` (RFC 9162, 2.1.4.2).

    0 < old_size < new_size here. If old_size is a power of two, put old_root in front of the path. fn = old_size - 1,
    sn = new_size - 1; while fn is odd, halve both. Start fr and sr at the path's first hash. For each further hash c:
    if sn is 0, fail. If fn is odd or fn == sn: fr = node_hash(c, fr), sr = node_hash(c, sr), then while fn is even
    and not 0, halve both. Otherwise sr = node_hash(sr, c). Then halve both. Succeed if fr == old_root,
    sr == new_root and sn == 0.
    """
    raise NotImplementedError("your code here: replace this line")
