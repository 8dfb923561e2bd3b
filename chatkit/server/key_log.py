"""The server's key log (S16, key transparency): every identity key it ever handed out, in an append-only Merkle tree.

The first time a name says hello with a key, (name, key) is appended; nothing is ever changed or removed, and the
entries are kept in the server's SQLite file, so a restart rebuilds the very same tree. Clients ask for the tree
head, for the proof that a key is in it, and for the proof that an old head is the start of a newer one, and check
every answer themselves (chatkit/client/key_log_check.py): the server is not trusted, it is made accountable.

The proofs are those of Certificate Transparency (RFC 9162), computed by chatkit/crypto/merkle.py over public data
only: the server still holds no secret. `KeyLog.view(member)` is the one tree a member is shown; an honest server
shows everyone the same one, and chatkit/lab/hostile_log.py shows what a lying one does instead.
"""

import threading

from chatkit.crypto.merkle import consistency_proof, inclusion_proof, tree_root  # public data only: no key, no secret
from chatkit.protocol import Frame, ProtocolError, b64, check_name, key_entry, unb64
from chatkit.server.member import Member
from chatkit.storage import ChatLog


class KeyTree:
    """A list of (name, key) entries and the Merkle proofs about it (kept in memory; KeyLog keeps it on disk)."""

    def __init__(self, keys: list[tuple[str, str]] | None = None) -> None:
        self.keys: list[tuple[str, str]] = []
        self.entries: list[bytes] = []  # the leaves: protocol.key_entry of each (name, key)
        for name, pubkey in keys or []:
            self.append(name, pubkey)

    def append(self, name: str, pubkey: str) -> bool:
        """Add (name, key) at the end unless it is already in; return whether it was added."""
        if (name, pubkey) in self.keys:
            return False
        self.keys.append((name, pubkey))
        self.entries.append(key_entry(name, pubkey))
        return True

    def head(self) -> Frame:
        """Return the tree head: how many entries, and the root hash over them."""
        return {"type": "tree_head", "size": len(self.entries), "root": b64(tree_root(self.entries))}

    def find(self, name: str, pubkey: str | None) -> int | None:
        """Return the index of (name, key), or of the latest key of `name` if no key is given; None if absent."""
        for index in range(len(self.keys) - 1, -1, -1):
            if self.keys[index][0] == name and pubkey in (None, self.keys[index][1]):
                return index
        return None

    def key_proof(self, name: str, pubkey: str | None) -> Frame:
        """Return the proof that a key (or the latest key of a name) is in the log, against the current head."""
        head = self.head()
        answer = {"type": "key_proof", "name": name, "size": head["size"], "root": head["root"]}
        index = self.find(name, pubkey)
        if index is None:
            return answer  # no index, no path: the log holds no such key
        path = [b64(hashed) for hashed in inclusion_proof(index, self.entries)]
        return {**answer, "pubkey": self.keys[index][1], "index": index, "path": path}

    def consistency(self, old_size: int, new_size: int) -> Frame:
        """Return the proof that the first `old_size` entries start the first `new_size` (no path if it cannot)."""
        answer = {"type": "consistency", "old_size": old_size, "new_size": new_size}
        if not 0 <= old_size <= new_size <= len(self.entries):
            return answer
        return {**answer, "path": [b64(hashed) for hashed in consistency_proof(old_size, self.entries[:new_size])]}


class KeyLog:
    """The running server's key log: one KeyTree for everyone, kept in the chat log's database."""

    def __init__(self, log: ChatLog) -> None:
        self._log = log
        self.tree = KeyTree(log.logged_keys())  # what an earlier run kept: the same entries in the same order
        self._lock = threading.Lock()  # many member threads say hello and ask at once

    def add(self, member: Member, name: str, pubkey: str) -> None:
        """Append a name's key the first time it comes (written as canonical base64, so one key is one entry)."""
        canonical = canonical_key(pubkey)
        with self._lock:
            if self.tree.append(name, canonical):
                self._log.log_key(len(self.tree.entries) - 1, name, canonical)

    def view(self, member: Member) -> KeyTree:
        """Return the tree a member is shown: the same one for everyone (a hostile log overrides this)."""
        return self.tree

    def answer(self, member: Member, ask: Frame) -> Frame:
        """Answer a member's question about the log: its head, a key's proof, or a consistency proof."""
        with self._lock:
            tree = self.view(member)
            if ask["type"] == "ask_head":
                return tree.head()
            if ask["type"] == "ask_key":
                pubkey = ask.get("pubkey")
                return tree.key_proof(check_name(ask["name"]), None if pubkey is None else canonical_key(pubkey))
            if ask["type"] == "ask_consistency":
                return tree.consistency(ask["old_size"], ask["new_size"])
        raise ProtocolError(f"the key log answers ask_head, ask_key and ask_consistency, not {ask['type']!r}")


def canonical_key(pubkey: str) -> str:
    """Return a key's base64 as the log writes it (so two spellings of one key find one entry)."""
    return b64(unb64({"pubkey": pubkey}, "pubkey"))
