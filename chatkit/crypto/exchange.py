"""Key exchange with X25519, then HKDF: two people agree on a key that never crossed the wire (notebook 10).

Diffie-Hellman alone does not say *who* is on the other end: a relay that swaps the public keys reads everything.
Signing the public keys (signing.py) and comparing a safety number out of band is what stops it.

>>> alice, bob = new_exchange_key(), new_exchange_key()
>>> len(exchange_public(alice))                      # all that crosses the wire
32
>>> at_alice = session_key(alice, exchange_public(bob), b"alice|bob")
>>> at_bob = session_key(bob, exchange_public(alice), b"alice|bob")
>>> at_alice == at_bob, len(at_alice)                # the same key on both sides, never sent
(True, 32)

Both compute the same safety number, whichever key they list first; a swapped key gives another number:

>>> number = safety_number(exchange_public(alice), exchange_public(bob))
>>> number == safety_number(exchange_public(bob), exchange_public(alice)), len(number.split())
(True, 6)
>>> mallory = new_exchange_key()                     # a relay that swapped Bob's key for its own
>>> number == safety_number(exchange_public(alice), exchange_public(mallory))
False
"""

import hashlib
from typing import TypeAlias

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chatkit.crypto import labels
from chatkit.crypto.kdf import hkdf_sha256

ExchangeKey: TypeAlias = X25519PrivateKey  # one session's Diffie-Hellman key (its private half)


def new_exchange_key() -> ExchangeKey:
    """Make a fresh X25519 key pair (one per session: that is what gives forward secrecy)."""
    return X25519PrivateKey.generate()


def exchange_public(private: ExchangeKey) -> bytes:
    """Return the 32 raw bytes of the public half, to send to the other person."""
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def session_key(private: ExchangeKey, peer_public: bytes, context: bytes) -> bytes:
    """Combine our private key and their public key into a 32-byte key for `context` (e.g. both names)."""
    shared = private.exchange(X25519PublicKey.from_public_bytes(peer_public))
    return hkdf_sha256(shared, labels.EXCHANGE_KEY + context)


def safety_number(public_a: bytes, public_b: bytes) -> str:
    """Return 30 digits both compute alike from this exchange's two public keys (new each session; safety.py lasts)."""
    digest = hashlib.sha256(b"".join(sorted([public_a, public_b]))).digest()
    digits = "".join(f"{int.from_bytes(digest[i : i + 4], 'big') % 100000:05d}" for i in range(0, 24, 4))
    return " ".join(digits[i : i + 5] for i in range(0, 30, 5))
