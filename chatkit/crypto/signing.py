"""Ed25519 signatures: proof of who wrote a message, which a shared room key cannot give (S6).

Every member of a room holds the room key, so any member could forge a message "from" another. A signature made
with a key only the sender holds closes that gap. Each signature covers a label first (S8).

>>> from chatkit.crypto import labels
>>> alice = new_identity()
>>> signature = sign(alice, labels.MESSAGE_SIGNATURE, b"hi bob")
>>> len(public_bytes(alice)), len(signature)
(32, 64)
>>> verify(public_bytes(alice), signature, labels.MESSAGE_SIGNATURE, b"hi bob")     # no news is good news
>>> verify(public_bytes(alice), signature, labels.MESSAGE_SIGNATURE, b"hi rob")
Traceback (most recent call last):
    ...
chatkit.crypto.errors.BadSignature: signature does not verify: the message was not signed by the claimed sender

Ed25519 needs no randomness once the key exists: a fixed seed gives a fixed key and fingerprint.

>>> fingerprint(public_bytes(identity_from_seed(bytes(range(32)))))
'56475 aa754 63474 c0285'
"""

import hashlib
from typing import TypeAlias

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from chatkit.crypto.errors import BadSignature

Identity: TypeAlias = Ed25519PrivateKey  # a person's lasting signing key (its private half)

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


def new_identity() -> Identity:
    """Make a fresh signing key for one person."""
    return Ed25519PrivateKey.generate()


def identity_from_seed(seed: bytes) -> Identity:
    """Rebuild a signing key from its 32 secret bytes (the same seed always gives the same key)."""
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_bytes(identity: Identity) -> bytes:
    """Return the 32 raw bytes of the public half, as the wire carries it."""
    return identity.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def sign(identity: Identity, label: bytes, data: bytes) -> bytes:
    """Sign label || data."""
    return identity.sign(label + data)


def verify(public: bytes, signature: bytes, label: bytes, data: bytes) -> None:
    """Check a signature over label || data, or raise BadSignature."""
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, label + data)
    except (InvalidSignature, ValueError):
        raise BadSignature() from None


def fingerprint(public: bytes) -> str:
    """Return a short, readable fingerprint of a public key for people to compare out of band."""
    digest = hashlib.sha256(public).hexdigest()[:20]
    return " ".join(digest[i : i + 5] for i in range(0, 20, 5))


def private_bytes(identity: Identity) -> bytes:
    """Return the 32 secret bytes of a signing key, to keep on disk where only its owner can read them."""
    return identity.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
