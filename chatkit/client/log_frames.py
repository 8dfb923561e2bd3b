"""The key log's answers (S16): their shape, checked before key_log_check.py reads them (as checks.py does), and heads.

A hash is base64 of exactly 32 bytes; a path is a short list of them (a tree of 2**63 entries needs 63 for an
inclusion proof, a few more for a consistency proof); sizes and indexes are counts; an index lies inside its tree.

>>> check_key_proof({"type": "key_proof", "name": "carol", "size": 2, "root": "AAAA", "path": []})
Traceback (most recent call last):
    ...
chatkit.protocol.ProtocolError: a key log hash should be base64 of 32 bytes, got 3
"""

from dataclasses import dataclass

from chatkit import protocol
from chatkit.protocol import Frame, ProtocolError, unb64

HASH_BYTES = 32  # SHA-256
LONGEST_PATH = 130  # hashes in one proof: 2 x 63 levels and a few, for the biggest tree a count can name
LARGEST_SIZE = 2**63 - 1  # as checks.LARGEST_COUNT: what SQLite and every client can count to


@dataclass(frozen=True)
class TreeHead:
    """A head of the key log: its size, and the root hash over that many entries."""

    size: int
    root: bytes

    def fingerprint(self) -> str:
        """Return the head as two people read it to each other: the size, then the root in eight groups of hex."""
        digits = self.root.hex()
        return f"{self.size}: " + " ".join(digits[i : i + 8] for i in range(0, len(digits), 8))

    @classmethod
    def from_fingerprint(cls, text: str) -> "TreeHead":
        """Read back a head someone read to us ("3: 9d59d62b 84673c78 ..."); raise ProtocolError if it is not one.

        >>> head = TreeHead(3, bytes(range(32)))
        >>> TreeHead.from_fingerprint(head.fingerprint()) == head
        True
        """
        size, _, digits = text.partition(":")
        try:
            head = cls(int(size), bytes.fromhex(digits.replace(" ", "")))
        except ValueError:
            raise ProtocolError(f"a key log head reads like '3: 9d59d62b 84673c78 ...', not {text!r:.80}") from None
        if len(head.root) != HASH_BYTES or head.size < 0:
            raise ProtocolError(f"a key log head has a size and {HASH_BYTES} bytes of root, not {text!r:.80}")
        return head


def hashes(texts: list[object]) -> list[bytes]:
    """Return a proof's hashes as bytes; raise ProtocolError unless each is base64 of 32 bytes."""
    if len(texts) > LONGEST_PATH:
        raise ProtocolError(f"a key log proof should have at most {LONGEST_PATH} hashes, got {len(texts)}")
    decoded = []
    for text in texts:
        if not isinstance(text, str):
            raise ProtocolError(f"a key log hash should be base64 text, got {type(text).__name__}")
        hashed = unb64({"hash": text}, "hash")
        if len(hashed) != HASH_BYTES:
            raise ProtocolError(f"a key log hash should be base64 of {HASH_BYTES} bytes, got {len(hashed)}")
        decoded.append(hashed)
    return decoded


def check_size(value: int, what: str) -> None:
    """Raise ProtocolError unless a size of the log is a count."""
    if not 0 <= value <= LARGEST_SIZE:
        raise ProtocolError(f"{what} should be between 0 and {LARGEST_SIZE}, got {value}")


def check_tree_head(frame: Frame) -> None:
    """A tree head: a size and a root hash."""
    check_size(frame["size"], "a key log's size")
    hashes([frame["root"]])


def check_key_proof(frame: Frame) -> None:
    """A key's proof: a name, the head it is proven against, and (if the key is in) its index and path."""
    protocol.check_name(frame["name"])
    check_tree_head(frame)
    hashes(frame.get("path", []))
    if "pubkey" in frame:
        unb64(frame, "pubkey")
    if "index" in frame and not 0 <= frame["index"] < frame["size"]:
        raise ProtocolError(f"a key's index should be inside its log of size {frame['size']}, got {frame['index']}")


def check_consistency(frame: Frame) -> None:
    """A consistency proof: two sizes, the old one not above the new one, and the path."""
    check_size(frame["old_size"], "a key log's old size")
    check_size(frame["new_size"], "a key log's new size")
    hashes(frame.get("path", []))
