"""The ratchet mode's exchange: X25519 and ML-KEM-768 together, signed by both identities, keys confirmed (S13).

Three messages (docs/ratchet-mode.md): the initiator's offer (a session id, a fresh X25519 key, a fresh ML-KEM-768
key), the responder's answer (its fresh X25519 key, an ML-KEM ciphertext, its signature and key confirmation),
and the initiator's finish (its signature and confirmation). Out comes one chain key, for envelopes from the
initiator to the responder.

Why combine two exchanges: X25519 falls to a large quantum computer, ML-KEM-768 (FIPS 203) is newer and less
studied. Both secrets go into one KDF, so an attacker must break both. This follows two published designs. X-Wing
(an IETF draft by Connolly, Schwabe and Westerbaan) hashes the ML-KEM secret first, then the X25519 secret and
the X25519 public values: ML-KEM's secret already depends on its own key and ciphertext, X25519's does not, so
X-Wing binds those values into the hash. Signal's PQXDH feeds its Diffie-Hellman outputs and then the KEM secret
to one KDF, and needs the KEM's public key to be signed, so that nobody can slip in a key of their own. Here:
ikm = ML-KEM secret || X25519 secret, info = label || SHA-256(transcript), where the transcript holds the label,
both names, both identity keys, the session id and every public value. Both identities sign the transcript, so
a relay that changes any value breaks a signature; each side's fresh values are in it, so an old answer is worth
nothing in a new exchange; and each side checks the other's confirmation (an HMAC) before using the key.

>>> from chatkit.crypto import signing
>>> alice_id, bob_id = signing.new_identity(), signing.new_identity()
>>> alice = Initiator(alice_id, "alice", "bob", signing.public_bytes(bob_id))
>>> bob = Responder(bob_id, "bob", "alice", signing.public_bytes(alice_id))
>>> finish, alice_key = alice.on_answer(bob.on_offer(alice.offer()))
>>> bob.on_finish(finish) == alice_key, len(alice_key), alice.session == bob.session
(True, 32, True)
"""

import hmac
import os
from collections.abc import Callable
from typing import TypeAlias

from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chatkit.crypto import labels, signing
from chatkit.crypto.errors import BadSignature, HandshakeFailed
from chatkit.crypto.fields import b64, message_fields
from chatkit.crypto.hybrid_keys import (
    SessionKeys,
    confirmation,
    decapsulate,
    derive_keys,
    encapsulate,
    framed,
    transcript,
    x25519_shared,
)
from chatkit.crypto.hybrid_messages import SESSION_BYTES, Answer, Offer, session_id, signed_proof

# Seams the lab records through (notebook 13's "quantum oracle"): every ephemeral key is made by these.
EphemeralKey: TypeAlias = X25519PrivateKey  # one exchange's X25519 key (its private half), by the kit's name
new_x25519_key: Callable[[], EphemeralKey] = X25519PrivateKey.generate
new_mlkem_key: Callable[[], MLKEM768PrivateKey] = MLKEM768PrivateKey.generate


class _Side:
    """What both sides of an exchange hold: who they are, whom they talk to, and how (pq, signed)."""

    initiates = False

    def __init__(
        self,
        identity: signing.Identity,
        name: str,
        peer: str,
        peer_public: bytes,
        *,
        pq: bool = True,
        signed: bool = True,
    ) -> None:
        if len(peer_public) != signing.PUBLIC_KEY_BYTES:
            raise HandshakeFailed(f"{peer}'s identity key should be 32 bytes, got {len(peer_public)}")
        self._identity, self._name, self._peer, self._peer_public = identity, name, peer, peer_public
        self._pq, self._signed = pq, signed
        self.session: str | None = None  # the session id as base64 text, once known
        self._begin()

    def _begin(self) -> None:
        """Set up what this side alone keeps (each side says what)."""

    def _transcript(self, offer: Offer, answer: Answer) -> bytes:
        """Return the exchange's transcript: the initiator's name and key first, whichever side I am."""
        mine, theirs = (self._name, signing.public_bytes(self._identity)), (self._peer, self._peer_public)
        (first, first_key), (second, second_key) = (mine, theirs) if self.initiates else (theirs, mine)
        return transcript(first, second, (first_key, second_key), offer, answer)

    def _verify(self, label: bytes, data: bytes, signature: bytes, what: str) -> None:
        """Check the peer's signature over data, or raise HandshakeFailed naming the peer."""
        try:
            signing.verify(self._peer_public, signature, label, data)
        except BadSignature:
            raise HandshakeFailed(f"the {what}'s signature does not match {self._peer}'s identity key") from None

    def _check_confirmation(self, key: bytes, data: bytes, received: bytes) -> None:
        """Check the peer's confirmation in constant time, or raise HandshakeFailed."""
        if not hmac.compare_digest(confirmation(key, data), received):
            raise HandshakeFailed(f"key confirmation failed: {self._peer} did not derive the same key")

    def _check_session(self, expected: bytes, received: bytes, what: str) -> None:
        """Refuse a message from another exchange (an old one replayed, or one meant for someone else)."""
        if not hmac.compare_digest(expected, received):
            raise HandshakeFailed(f"the {what} belongs to another session, not this exchange: refused as a replay")


class Initiator(_Side):
    """The side that starts an exchange: offer(), then on_answer() gives the finish and the chain key."""

    initiates = True

    def _begin(self) -> None:
        """A fresh session id now; the ephemeral keys come with the offer."""
        self._session = os.urandom(SESSION_BYTES)
        self.session = b64(self._session)
        self._x25519: X25519PrivateKey | None = None
        self._mlkem: MLKEM768PrivateKey | None = None
        self._offer: Offer | None = None
        self._answered = False

    def offer(self) -> dict[str, str]:
        """Make fresh ephemeral keys and return the offer."""
        if self._offer is not None:
            raise HandshakeFailed("message out of order: this exchange has already made its offer")
        self._x25519 = new_x25519_key()
        self._mlkem = new_mlkem_key() if self._pq else None
        mlkem = self._mlkem.public_key().public_bytes_raw() if self._mlkem else b""
        self._offer = Offer(self._session, self._x25519.public_key().public_bytes_raw(), mlkem)
        return self._offer.to_wire()

    def on_answer(self, answer: object) -> tuple[dict[str, str], bytes]:
        """Check the answer; return the finish to send and the chain key for envelopes to the responder."""
        offer, x25519, mlkem = self._offer, self._x25519, self._mlkem
        self._x25519 = self._mlkem = None  # whatever happens next, the ephemeral private keys are gone
        if offer is None or x25519 is None or self._answered:
            raise HandshakeFailed("message out of order: an answer came, but no offer is waiting for one")
        self._answered = True
        parsed = Answer.parse(answer, self._pq, self._signed)
        self._check_session(self._session, parsed.session, "answer")
        record = self._transcript(offer, parsed)
        if self._signed:
            self._verify(labels.HYBRID_ANSWER_SIGNATURE, record, parsed.signature, "answer")
        mlkem_shared = decapsulate(mlkem, parsed.ciphertext) if mlkem else b""
        keys = derive_keys(mlkem_shared, x25519_shared(x25519, parsed.x25519), record)
        return self._finish(keys, record, parsed), keys.chain

    def _finish(self, keys: SessionKeys, record: bytes, answer: Answer) -> dict[str, str]:
        """Check the responder's confirmation, then sign and confirm the whole transcript."""
        if not self._signed:
            return {"session": b64(self._session)}
        self._check_confirmation(keys.responder_confirmation, record, answer.confirmation)
        record += framed(answer.confirmation)
        signature = signing.sign(self._identity, labels.HYBRID_FINISH_SIGNATURE, record)
        mine = confirmation(keys.initiator_confirmation, record)
        return {"session": b64(self._session), "signature": b64(signature), "confirmation": b64(mine)}


class Responder(_Side):
    """The side that answers: on_offer() gives the answer, on_finish() the chain key once the initiator is checked."""

    def _begin(self) -> None:
        """Nothing yet: the session id and the keys come with the offer."""
        self._session = b""
        self._pending: tuple[SessionKeys, bytes] | None = None  # the keys and the transcript the finish must match
        self._offered = False

    def on_offer(self, offer: object) -> dict[str, str]:
        """Check the offer and return the answer (signed and confirmed unless signed=False)."""
        if self._offered:
            raise HandshakeFailed("message out of order: this exchange has already answered an offer")
        self._offered = True
        parsed = Offer.parse(offer, self._pq)
        self._session, self.session = parsed.session, b64(parsed.session)
        return self._answer(parsed).to_wire()

    def _answer(self, offer: Offer) -> Answer:
        """Make my ephemeral values, derive the keys, and sign and confirm the transcript."""
        x25519 = new_x25519_key()  # ephemeral: it lives only in this call
        shared = x25519_shared(x25519, offer.x25519)
        mlkem_shared, ciphertext = encapsulate(offer.mlkem) if self._pq else (b"", b"")
        answer = Answer(offer.session, x25519.public_key().public_bytes_raw(), ciphertext)
        record = self._transcript(offer, answer)
        keys = derive_keys(mlkem_shared, shared, record)
        if self._signed:
            signature = signing.sign(self._identity, labels.HYBRID_ANSWER_SIGNATURE, record)
            proof = confirmation(keys.responder_confirmation, record)
            answer = Answer(answer.session, answer.x25519, ciphertext, signature, proof)
            record += framed(proof)
        self._pending = keys, record
        return answer

    def on_finish(self, finish: object) -> bytes:
        """Check the finish (the initiator's signature and confirmation) and return the chain key.

        A finish that fails leaves the exchange waiting: anyone who saw the session id can send a forged one, and
        it must not cancel the genuine finish that follows.
        """
        if self._pending is None:
            raise HandshakeFailed("message out of order: a finish came, but no answer is waiting for one")
        keys, record = self._pending
        fields = message_fields(finish, "finish", HandshakeFailed)
        self._check_session(self._session, session_id(fields, "finish"), "finish")
        if self._signed:
            signature, received = signed_proof(fields, "finish", signed=True)
            self._verify(labels.HYBRID_FINISH_SIGNATURE, record, signature, "finish")
            self._check_confirmation(keys.initiator_confirmation, record, received)
        self._pending = None  # checked: the keys are handed out once
        return keys.chain
