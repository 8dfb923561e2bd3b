"""Safety numbers: 60 digits two people read to each other once, to be sure each holds the other's real key.

A server that relays public keys could hand Alice its own key in place of Bob's. Alice and Bob close that gap by
comparing, in person or by voice, a number computed from BOTH identity keys: if the server swapped a key, the
numbers differ. The number is the same on both sides (the two halves are sorted) and the same next week, as long
as neither identity key changes, so checking once is enough. Signal and WhatsApp show 60 digits the same way: 30
from each person's key, each made slow with thousands of rounds of SHA-512 so that finding another key with the
same digits costs an attacker that much more per try.

>>> alice, bob = bytes(32), bytes([1]) * 32
>>> number = safety_number("alice", alice, "bob", bob)
>>> number == safety_number("bob", bob, "alice", alice)
True
>>> len(number.replace(" ", "")), len(number.split())
(60, 12)
"""

import hashlib

from chatkit.crypto import labels

ROUNDS = 5200  # rounds of SHA-512 per half (the figure Signal's fingerprints use)
HALF_DIGITS = 30


def half(name: str, identity_public: bytes) -> str:
    """Return 30 digits that stand for one person's name and identity key."""
    digest = labels.SAFETY_NUMBER + identity_public + name.encode()
    for _ in range(ROUNDS):
        digest = hashlib.sha512(digest + identity_public).digest()
    chunks = (digest[i : i + 5] for i in range(0, 30, 5))  # 5 bytes make 5 digits with little bias
    return "".join(f"{int.from_bytes(chunk, 'big') % 100_000:05d}" for chunk in chunks)


def safety_number(name_a: str, public_a: bytes, name_b: str, public_b: bytes) -> str:
    """Return the 60 digits both people compute alike, in 12 groups of 5."""
    digits = "".join(sorted([half(name_a, public_a), half(name_b, public_b)]))
    return " ".join(digits[i : i + 5] for i in range(0, 2 * HALF_DIGITS, 5))
