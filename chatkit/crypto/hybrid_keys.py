"""The hybrid exchange's keys: the X25519 secret, the transcript, the KDF that combines both secrets, confirmations.

These are pure functions of what the two sides hold, so the lab can recompute a recorded exchange's key from its
messages and the secrets an attacker would need (notebook 13): with an X25519 private key, a pq=False exchange
gives up its key; a pq=True one still needs the ML-KEM secret.

>>> from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
>>> x25519_shared(X25519PrivateKey.generate(), bytes(32))             # the all-zero point: a low-order key
Traceback (most recent call last):
    ...
chatkit.crypto.errors.HandshakeFailed: key exchange failed: low-order X25519 public key refused
>>> keys = derive_keys(b"ml-kem secret", b"x25519 secret", b"a transcript")
>>> len({keys.chain, keys.responder_confirmation, keys.initiator_confirmation})     # three different keys
3
>>> keys == derive_keys(b"ml-kem secret", b"x25519 secret", b"another transcript")
False
"""

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey, MLKEM768PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from chatkit.crypto import labels
from chatkit.crypto.errors import HandshakeFailed
from chatkit.crypto.hybrid_messages import X25519_BYTES, Answer, Offer
from chatkit.crypto.kdf import hkdf_sha256

KEY_BYTES = 32


@dataclass(frozen=True)
class SessionKeys:
    """The three keys one exchange gives: never one key for two purposes."""

    chain: bytes  # the chain key for envelopes from the initiator to the responder
    responder_confirmation: bytes
    initiator_confirmation: bytes


def x25519_shared(private: X25519PrivateKey, peer_public: bytes) -> bytes:
    """Return the X25519 shared secret, refusing a low-order public key (it would force a known secret)."""
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(peer_public))
    except ValueError:
        shared = bytes(X25519_BYTES)  # OpenSSL refuses an all-zero result: the same low-order case
    if hmac.compare_digest(shared, bytes(X25519_BYTES)):
        raise HandshakeFailed("low-order X25519 public key refused")
    return shared


def encapsulate(mlkem_key: bytes) -> tuple[bytes, bytes]:
    """Return (shared secret, ciphertext) for the holder of an ML-KEM-768 key (checked by Offer.parse)."""
    return MLKEM768PublicKey.from_public_bytes(mlkem_key).encapsulate()


def decapsulate(private: MLKEM768PrivateKey, ciphertext: bytes) -> bytes:
    """Return the shared secret in an ML-KEM-768 ciphertext (a changed one gives another secret, never an error)."""
    try:
        return private.decapsulate(ciphertext)
    except ValueError:
        raise HandshakeFailed("malformed ML-KEM-768 ciphertext") from None


def transcript(initiator: str, responder: str, keys: tuple[bytes, bytes], offer: Offer, answer: Answer) -> bytes:
    """Return the label, both names, both identity keys (initiator's first) and every public value, each framed."""
    parts = [initiator.encode(), responder.encode(), *keys, offer.session, offer.x25519, offer.mlkem]
    parts += [answer.x25519, answer.ciphertext]
    return labels.HYBRID_TRANSCRIPT + b"".join(framed(part) for part in parts)


def framed(part: bytes) -> bytes:
    """Prefix a part with its length, so that no two different lists of parts give the same bytes."""
    return len(part).to_bytes(4, "big") + part


def derive_keys(mlkem_shared: bytes, x25519_shared: bytes, transcript: bytes) -> SessionKeys:
    """Combine both secrets, bound to the transcript, into the three keys of the session."""
    info = labels.HYBRID_KDF + hashlib.sha256(transcript).digest()
    okm = hkdf_sha256(mlkem_shared + x25519_shared, info, length=3 * KEY_BYTES)
    return SessionKeys(okm[:KEY_BYTES], okm[KEY_BYTES : 2 * KEY_BYTES], okm[2 * KEY_BYTES :])


def confirmation(key: bytes, transcript: bytes) -> bytes:
    """Return the HMAC that proves a side derived the same keys from the same transcript."""
    mac = crypto_hmac.HMAC(key, hashes.SHA256())
    mac.update(labels.HYBRID_CONFIRMATION + transcript)
    return mac.finalize()


def recompute_chain_key(
    names: tuple[str, str],
    keys: tuple[bytes, bytes],
    offer: object,
    answer: object,
    x25519_private: X25519PrivateKey,
    mlkem_shared: bytes = b"",
) -> bytes:
    """Recompute an exchange's chain key from its recorded messages and one side's X25519 private key.

    This is what a future quantum computer could do with a recorded pq=False exchange (notebook 13). With a pq=True
    exchange the ML-KEM secret is missing too, and any guess gives a key that opens nothing.
    """
    pq = isinstance(offer, Mapping) and "mlkem" in offer
    parsed_offer = Offer.parse(offer, pq)
    parsed_answer = Answer.parse(answer, pq, signed=False)
    mine = x25519_private.public_key().public_bytes_raw()
    peer = parsed_answer.x25519 if mine == parsed_offer.x25519 else parsed_offer.x25519
    record = transcript(*names, keys, parsed_offer, parsed_answer)
    return derive_keys(mlkem_shared, x25519_shared(x25519_private, peer), record).chain
