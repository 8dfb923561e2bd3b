"""A room's password check that commits to the key: it can be true for one key only (docs/security.md, S12).

A newcomer wants to know at once whether their passphrase is the room's, before they send a word. Today's check is
an AES-GCM encryption of nothing under the room key, and GCM does not commit to its key: whoever chooses the bytes
(a malicious server) can make a check that opens under many keys, so "the check passed" does not prove "we share
the key". A MAC does commit: HMAC-SHA256 under the key, over a label, the room's name and its parameters (the
`binding` bytes of room_params.py), gives 32 bytes that another key gives only by finding a collision of SHA-256.

>>> key = bytes(32)
>>> check = make_check(key, b'["general",{}]')
>>> len(check), matches(key, b'["general",{}]', check)
(32, True)
>>> matches(bytes([1]) * 32, b'["general",{}]', check), matches(key, b'["lab",{}]', check)
(False, False)

The check still lets anyone who stores it test guesses offline, as any check must: only a slow key derivation
and a strong passphrase make that costly (docs/security.md, the sealed mode's limits).
"""

import hashlib
import hmac

from chatkit.crypto import labels


def make_check(key: bytes, bound: bytes) -> bytes:
    """Return the 32-byte check of a room key over the room and its parameters (`bound`), to store beside the room."""
    return hmac.new(key, labels.ROOM_CHECK + bound, hashlib.sha256).digest()


def matches(key: bytes, bound: bytes, check: bytes) -> bool:
    """Return whether `check` was made from this key for this room and parameters (compared in constant time)."""
    return hmac.compare_digest(make_check(key, bound), check)
