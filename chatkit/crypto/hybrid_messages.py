"""The three messages of the hybrid exchange (hybrid.py) as they travel, and the checks that read them.

Every bytes value is base64 text in JSON. Reading a message refuses, with HandshakeFailed and a sentence, a missing
field, bad base64, a wrong length, a malformed ML-KEM-768 key and a downgrade: a side that runs the hybrid
exchange (pq=True) never accepts an offer or an answer without its ML-KEM part.

>>> offer = Offer(bytes(16), bytes(32), b"").to_wire()            # an X25519-only offer (pq=False)
>>> sorted(offer), Offer.parse(offer, pq=False).session == bytes(16)
(['session', 'x25519'], True)
>>> Offer.parse(offer, pq=True)  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
chatkit.crypto.errors.HandshakeFailed: key exchange failed: the offer has no ML-KEM-768 part: ...
>>> raw_sizes(pq=True), raw_sizes(pq=False)          # bytes before base64: ML-KEM is the bulk
({'offer': 1232, 'answer': 1232, 'finish': 112}, {'offer': 48, 'answer': 144, 'finish': 112})
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PublicKey

from chatkit.crypto import signing
from chatkit.crypto.errors import HandshakeFailed
from chatkit.crypto.fields import b64, message_fields, raw_field

SESSION_BYTES = 16
X25519_BYTES = 32
MLKEM_KEY_BYTES = 1184
MLKEM_CIPHERTEXT_BYTES = 1088
MAC_BYTES = 32


def raw_sizes(pq: bool = True, signed: bool = True) -> dict[str, int]:
    """Return how many bytes (before base64) the offer, the answer and the finish carry."""
    proof = signing.SIGNATURE_BYTES + MAC_BYTES if signed else 0
    return {
        "offer": SESSION_BYTES + X25519_BYTES + (MLKEM_KEY_BYTES if pq else 0),
        "answer": SESSION_BYTES + X25519_BYTES + (MLKEM_CIPHERTEXT_BYTES if pq else 0) + proof,
        "finish": SESSION_BYTES + proof,
    }


@dataclass(frozen=True)
class Offer:
    """The offer's values, checked: b"" for the ML-KEM key of an X25519-only (pq=False) exchange."""

    session: bytes
    x25519: bytes
    mlkem: bytes

    @classmethod
    def parse(cls, message: object, pq: bool) -> "Offer":
        """Read an offer from the wire, refusing a downgrade, a missing field or a malformed key."""
        fields = message_fields(message, "offer", HandshakeFailed)
        _check_suite(fields, "mlkem", "offer", "an ML-KEM-768 key", pq)
        mlkem = _checked_mlkem_key(_raw(fields, "mlkem", "offer", MLKEM_KEY_BYTES)) if pq else b""
        return cls(session_id(fields, "offer"), _raw(fields, "x25519", "offer", X25519_BYTES), mlkem)

    def to_wire(self) -> dict[str, str]:
        """Return the offer as JSON-ready text."""
        wire = {"session": b64(self.session), "x25519": b64(self.x25519)}
        return wire | ({"mlkem": b64(self.mlkem)} if self.mlkem else {})


@dataclass(frozen=True)
class Answer:
    """The answer's values, checked: b"" for what an X25519-only or unsigned exchange leaves out."""

    session: bytes
    x25519: bytes
    ciphertext: bytes
    signature: bytes = b""
    confirmation: bytes = b""

    @classmethod
    def parse(cls, message: object, pq: bool, signed: bool) -> "Answer":
        """Read an answer from the wire, refusing a downgrade, a missing signature or a malformed value."""
        fields = message_fields(message, "answer", HandshakeFailed)
        _check_suite(fields, "mlkem_ciphertext", "answer", "an ML-KEM-768 ciphertext", pq)
        ciphertext = _raw(fields, "mlkem_ciphertext", "answer", MLKEM_CIPHERTEXT_BYTES) if pq else b""
        signature, confirmation = signed_proof(fields, "answer", signed)
        x25519 = _raw(fields, "x25519", "answer", X25519_BYTES)
        return cls(session_id(fields, "answer"), x25519, ciphertext, signature, confirmation)

    def to_wire(self) -> dict[str, str]:
        """Return the answer as JSON-ready text."""
        wire = {"session": b64(self.session), "x25519": b64(self.x25519)}
        wire |= {"mlkem_ciphertext": b64(self.ciphertext)} if self.ciphertext else {}
        return wire | (
            {"signature": b64(self.signature), "confirmation": b64(self.confirmation)} if self.signature else {}
        )


def _raw(fields: Mapping[str, Any], name: str, what: str, size: int) -> bytes:
    """Return the bytes of one base64 field of an exchange message, of exactly `size` bytes."""
    return raw_field(fields, name, what, HandshakeFailed, size)


def session_id(fields: Mapping[str, Any], what: str) -> bytes:
    """Return a message's session id."""
    return _raw(fields, "session", what, SESSION_BYTES)


def _check_suite(fields: Mapping[str, Any], name: str, what: str, value: str, pq: bool) -> None:
    """Refuse a message whose ML-KEM part does not match this side's choice (no silent downgrade)."""
    if pq and name not in fields:
        raise HandshakeFailed(f"the {what} has no ML-KEM-768 part: this side refuses an X25519-only exchange")
    if not pq and name in fields:
        raise HandshakeFailed(f"the {what} carries {value}, but this side runs the X25519-only exchange (pq=False)")


def signed_proof(fields: Mapping[str, Any], what: str, signed: bool) -> tuple[bytes, bytes]:
    """Return a message's (signature, confirmation), or (b"", b"") on an unsigned exchange."""
    if not signed:
        return b"", b""
    if "signature" not in fields:
        raise HandshakeFailed(f"the {what} is not signed, and this side accepts only a signed exchange")
    return _raw(fields, "signature", what, signing.SIGNATURE_BYTES), _raw(fields, "confirmation", what, MAC_BYTES)


def _checked_mlkem_key(key: bytes) -> bytes:
    """Return an ML-KEM-768 key, refusing one that FIPS 203's check rejects (a coefficient out of range)."""
    try:
        MLKEM768PublicKey.from_public_bytes(key)
    except ValueError:
        raise HandshakeFailed("malformed ML-KEM-768 key") from None
    return key
