"""The sealed cipher: AES-256-GCM with a labelled header as associated data.

GCM is an AEAD: it encrypts *and* authenticates. Any change to the ciphertext, the nonce or the associated data
makes decryption fail as a whole, so the receiver never sees altered text (docs/security.md, S2 and S3).

>>> from chatkit.crypto import labels
>>> key = bytes(32)                                  # a fixed key, so the examples always print the same
>>> nonce, ciphertext = seal(key, b"hi", labels.MESSAGE_AD, b'["general","alice",1,0]')
>>> len(nonce), len(ciphertext)                      # 2 bytes of text + a 16-byte tag
(12, 18)
>>> open_sealed(key, nonce, ciphertext, labels.MESSAGE_AD, b'["general","alice",1,0]')
b'hi'

The header is not secret but it is bound: a relay that moves the message to another room (or changes one bit of
anything) gets nothing but the one error, whatever the cause:

>>> open_sealed(key, nonce, ciphertext, labels.MESSAGE_AD, b'["random","alice",1,0]')
Traceback (most recent call last):
    ...
chatkit.crypto.errors.CannotDecrypt: could not decrypt: wrong password or tampered message
"""

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chatkit.crypto.errors import CannotDecrypt

NONCE_BYTES = 12  # 96-bit random nonces: safe for far more messages than a classroom sends under one key


def gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, associated: bytes) -> bytes:
    """Encrypt and authenticate; return ciphertext || 16-byte tag (the raw primitive, tested with NIST vectors)."""
    return AESGCM(key).encrypt(nonce, plaintext, associated)


def gcm_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, associated: bytes) -> bytes:
    """Check the tag and decrypt, or raise CannotDecrypt (one error for every cause, S7)."""
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, associated)
    except (InvalidTag, ValueError):
        # InvalidTag: ciphertext, nonce, key or associated data changed. ValueError: a nonce of the wrong size.
        raise CannotDecrypt() from None


def seal(key: bytes, plaintext: bytes, label: bytes, header: bytes) -> tuple[bytes, bytes]:
    """Encrypt under a fresh random nonce with label || header as associated data; return (nonce, ciphertext)."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce, gcm_encrypt(key, nonce, plaintext, label + header)


def open_sealed(key: bytes, nonce: bytes, ciphertext: bytes, label: bytes, header: bytes) -> bytes:
    """Verify and decrypt what seal() made; the label and header must match exactly."""
    return gcm_decrypt(key, nonce, ciphertext, label + header)
