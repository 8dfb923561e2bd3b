"""Key exchange with X25519, then HKDF: two people agree on a key that never crossed the wire (notebook 10).

Diffie-Hellman alone does not say *who* is on the other end: a relay that swaps the public keys reads everything.
Signing the public keys (signing.py) and comparing a safety number out of band is what stops it.
"""

import hashlib

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chatkit.crypto import labels
from chatkit.crypto.kdf import hkdf_sha256


def new_exchange_key() -> X25519PrivateKey:
    """Make a fresh X25519 key pair (one per session: that is what gives forward secrecy)."""
    return X25519PrivateKey.generate()


def exchange_public(private: X25519PrivateKey) -> bytes:
    """Return the 32 raw bytes of the public half, to send to the other person."""
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def session_key(private: X25519PrivateKey, peer_public: bytes, context: bytes) -> bytes:
    """Combine our private key and their public key into a 32-byte key for `context` (e.g. both names)."""
    shared = private.exchange(X25519PublicKey.from_public_bytes(peer_public))
    return hkdf_sha256(shared, labels.EXCHANGE_KEY + context)


def safety_number(public_a: bytes, public_b: bytes) -> str:
    """Return 30 digits both people compute alike from the two public keys, to compare by voice or in person."""
    digest = hashlib.sha256(b"".join(sorted([public_a, public_b]))).digest()
    digits = "".join(f"{int.from_bytes(digest[i : i + 4], 'big') % 100000:05d}" for i in range(0, 24, 4))
    return " ".join(digits[i : i + 5] for i in range(0, 30, 5))
