"""One-way chains of message keys: a sending chain, and a receiving chain that tolerates reordering (S14).

Each message key comes from one step of the hash ratchet (ratchet.py). The sender hands out each key once and
forgets the chain key it came from, so a thief who copies the chain today cannot work out yesterday's keys
(forward secrecy). The receiver may see messages out of order, so it keeps the keys it skipped, at most WINDOW of
them, and hands each out once: a replayed message finds no key. The receiver first peeks at a key and uses it up
only once its message opened, so a message that does not open (forged, or from another chain) burns nothing.

>>> alice = SendingChain(bytes(32))                  # fixed, so the example always prints the same
>>> bob = ReceivingChain(*alice.position)            # what alice hands a newcomer: the key for her next index
>>> sent = [alice.next() for _ in range(3)]
>>> [index for index, _ in sent]
[0, 1, 2]
>>> bob.peek(2) == sent[2][1], sorted(bob.snapshot()["skipped"])   # a peek uses up nothing
(True, [])
>>> bob.key_for(2) == sent[2][1], bob.key_for(0) == sent[0][1]       # out of order: 0 and 1 were kept for later
(True, True)
>>> bob.key_for(0)
Traceback (most recent call last):
    ...
chatkit.crypto.errors.CannotDecrypt: message 0 was already opened or is older than the window: refused as a replay
>>> alice.position[1], sorted(bob.snapshot()["skipped"])            # alice is at 3; bob still holds the key for 1
(3, [1])
"""

import os
from typing import Any

from chatkit.crypto.errors import CannotDecrypt
from chatkit.crypto.ratchet import ratchet_step

WINDOW = 64  # how many skipped keys a receiver keeps, and how far ahead of its chain a message may be
CHAIN_KEY_BYTES = 32


def _checked(chain_key: bytes, index: int) -> tuple[bytes, int]:
    """Return the chain key and index, or raise ValueError if they cannot start a chain."""
    if not isinstance(chain_key, bytes) or len(chain_key) != CHAIN_KEY_BYTES:
        raise ValueError(f"a chain key is {CHAIN_KEY_BYTES} bytes, got {len(chain_key)}")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"a chain index is a whole number from 0, got {index!r}")
    return chain_key, index


class SendingChain:
    """My own chain: every call to next() gives a new (index, message key), and the old chain key is dropped."""

    def __init__(self, chain_key: bytes, index: int = 0) -> None:
        self._chain_key, self._index = _checked(chain_key, index)

    @classmethod
    def fresh(cls) -> "SendingChain":
        """Start a new chain from 32 random bytes (a new sender key, a new generation)."""
        return cls(os.urandom(CHAIN_KEY_BYTES))

    @property
    def position(self) -> tuple[bytes, int]:
        """Return (chain key, index) for the next message: a newcomer given this reads nothing sent before."""
        return self._chain_key, self._index

    def next(self) -> tuple[int, bytes]:
        """Return the next (index, message key) and step the chain past it."""
        index = self._index
        self._chain_key, message_key = ratchet_step(self._chain_key)
        self._index += 1
        return index, message_key

    def snapshot(self) -> dict[str, Any]:
        """Return the secret state, as a thief who copied this member's memory would hold it."""
        return {"chain_key": self._chain_key, "index": self._index}

    @classmethod
    def from_snapshot(cls, state: dict[str, Any]) -> "SendingChain":
        """Rebuild a chain from snapshot()'s dict."""
        return cls(state["chain_key"], state["index"])


class ReceivingChain:
    """Someone else's chain as I receive it: the key for each index once, in any order within the window."""

    def __init__(self, chain_key: bytes, index: int = 0) -> None:
        self._chain_key, self._index = _checked(chain_key, index)
        self._skipped: dict[int, bytes] = {}  # index -> message key, for messages not yet arrived

    def peek(self, index: int) -> bytes:
        """Return the message key for index without using it up: a message that fails to open must not burn it."""
        self._check_reach(index)
        if index in self._skipped:
            return self._skipped[index]
        chain_key, message_key = self._chain_key, b""
        for _ in range(index - self._index + 1):
            chain_key, message_key = ratchet_step(chain_key)
        return message_key

    def key_for(self, index: int) -> bytes:
        """Return the message key for index and use it up; raise CannotDecrypt for a replay or an index out of reach."""
        self._check_reach(index)
        if index in self._skipped:
            return self._skipped.pop(index)
        while self._index < index:
            self._keep(*self._step())
        return self._step()[1]

    def _check_reach(self, index: int) -> None:
        """Raise CannotDecrypt unless index is a key still held or within the window ahead of the chain."""
        if isinstance(index, bool) or not isinstance(index, int):
            raise CannotDecrypt(f"a message index is a whole number, got {index!r}")
        if index in self._skipped:
            return
        if index < self._index:
            raise CannotDecrypt(f"message {index} was already opened or is older than the window: refused as a replay")
        if self.too_far_ahead(index):
            raise CannotDecrypt(f"message {index} is more than {WINDOW} ahead of message {self._index}: refused")

    def too_far_ahead(self, index: int) -> bool:
        """Return whether index is beyond the window ahead of this chain (so not a replay: it was never reachable)."""
        return index - self._index > WINDOW

    def _keep(self, index: int, message_key: bytes) -> None:
        """Keep a skipped key for later, dropping the oldest one beyond WINDOW."""
        self._skipped[index] = message_key
        if len(self._skipped) > WINDOW:  # dicts keep insertion order, and keys go in by index: the first is the oldest
            del self._skipped[next(iter(self._skipped))]

    def _step(self) -> tuple[int, bytes]:
        """Step the chain once and return (the index it was at, that index's message key)."""
        index = self._index
        self._chain_key, message_key = ratchet_step(self._chain_key)
        self._index += 1
        return index, message_key

    def snapshot(self) -> dict[str, Any]:
        """Return the secret state (chain key, next index, skipped keys), as a thief would copy it."""
        return {"chain_key": self._chain_key, "index": self._index, "skipped": dict(self._skipped)}

    @classmethod
    def from_snapshot(cls, state: dict[str, Any]) -> "ReceivingChain":
        """Rebuild a chain from snapshot()'s dict."""
        chain = cls(state["chain_key"], state["index"])
        chain._skipped = dict(state.get("skipped", {}))
        return chain
