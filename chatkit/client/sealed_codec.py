"""The sealed mode's client codec: a room key only members derive, AES-GCM, every message signed. Pure: no sockets.

A key per room from the salt and KDF its creator chose (pinned on first join, checked against a floor, confirmed
by a check that commits to the key: room_keys.py); AES-GCM with the header (room, sender, counter, time) as
associated data; text padded to 32-byte buckets; every message signed with the sender's lasting Ed25519 key and
checked against the key pinned for them (identities.py); numbers 1, 2, 3 ... per sender and room, checked against
marks kept on disk (freshness.py). Each of these protections is a named step of `SealedCodec`, so that notebook 15
and notebook 17 can take one out at a time (chatkit/lab/nonce_bug.py, chatkit/lab/flaws.py).
"""

import os
import time

from chatkit.client.events import Problem
from chatkit.client.freshness import Arrival, Marks, Verdict, arrival_warnings
from chatkit.client.identities import Identities
from chatkit.client.keystore import KeyStore
from chatkit.client.opened import Opened, cannot_decrypt
from chatkit.client.room_keys import Joining, RoomKeys
from chatkit.client.room_pins import RoomPins
from chatkit.crypto import CANNOT_DECRYPT, BadSignature, CannotDecrypt, labels, lengths, sealed, signing
from chatkit.protocol import Frame, ProtocolError, Refused, b64, header_bytes, unb64


class SealedCodec:
    """End-to-end: only members who know the room's passphrase can read, and only the sender can sign.

    `iterations` is the explicit knob for tests and notebooks: a room this client creates then uses PBKDF2 at that
    many iterations (instead of Argon2id), and this client accepts rooms that cheap. A default client never does.
    `despite_check=True` lets a member go on in a room whose check does not match their passphrase (a room an
    outsider created first), with a warning; by default that is refused.
    """

    mode = "sealed"

    def __init__(
        self,
        passphrase: str,
        iterations: int | None = None,
        identity: signing.Identity | None = None,
        store: KeyStore | None = None,
        *,
        room_pins: RoomPins | None = None,
        despite_check: bool = False,
    ) -> None:
        self.rooms = RoomKeys(passphrase, iterations, room_pins, despite_check)
        self.iterations = iterations
        self.identities = Identities(store, identity)  # our key and the pins, in the key store (S6)

    @property
    def identity(self) -> signing.Identity:
        """Our own signing key (from the key store)."""
        return self.identities.identity

    def hello_fields(self, name: str) -> Frame:
        """Bring the public half of the signing key; the passphrase never leaves this machine."""
        return {"pubkey": b64(signing.public_bytes(self.identities.own(name)))}

    @property
    def keys(self) -> dict[str, bytes]:
        """Room -> key, derived once per room and session (S5)."""
        return self.rooms.keys

    def on_joined(self, joined: Frame, name: str) -> Joining:
        """Create the room, or check the parameters and check its creator left, and derive its key (room_keys.py)."""
        return self.rooms.on_joined(joined)

    def seal(self, text: str, room: str, name: str) -> Frame:
        """Encrypt and sign text, binding it to this room, this sender, our next number in the room and the time."""
        counter, sent_at = self.identities.store(name).next_sequence(room), round(time.time(), 3)
        header = header_bytes(room, name, counter, sent_at)
        padded, nonce = self.pad(text.encode()), self.nonce_for(counter)
        ciphertext = sealed.gcm_encrypt(self.keys[room], nonce, padded, labels.MESSAGE_AD + header)
        signed = self.signed_part(header, nonce, ciphertext, padded)
        signature = signing.sign(self.identities.own(name), labels.MESSAGE_SIGNATURE, signed)
        return {
            "type": "say",
            "room": room,
            "counter": counter,
            "time": sent_at,
            "nonce": b64(nonce),
            "ciphertext": b64(ciphertext),
            "signature": b64(signature),
        }

    def open(self, message: Frame, name: str) -> Opened:
        """Verify against the pinned key, decrypt, drop a replay; warn of a gap, a late message, a look-alike name."""
        try:
            public = self.verifying_key(message, name)
            text = self.decrypt(message, public)
        except (CannotDecrypt, BadSignature, ProtocolError, KeyError):
            raise cannot_decrypt(message) from None
        sender = message["sender"]
        verdict = self.marks(name).take(message["room"], f"{sender}#{b64(public)}", message["counter"])
        if self.is_replay(verdict):
            raise Refused("replay", f"replay rejected: an old message from {sender}")
        return Opened(text, (*self.first_contact(sender, public, name), *self.arrival_warnings(sender, verdict)))

    def verifying_key(self, message: Frame, name: str) -> bytes:
        """Return the key a message must be signed with: the one pinned for its sender, not the one attached."""
        sender, offered = message["sender"], unb64(message, "pubkey")
        if sender == name:
            return signing.public_bytes(self.identities.own(name))
        pin = self.identities.pinned(sender, name)
        if pin is None:
            return offered  # never met: pinned (remember) only once their signature checks out with it
        if self.key_changed(sender, pin.public, offered, name):
            self.decrypt(message, offered)  # a forgery fails here: only a message its new key signed is held back
            raise self.identities.hold(sender, offered)
        return offered  # the pinned key: key_changed said they are the same (notebook 17's trusting variants lie)

    def decrypt(self, message: Frame, public: bytes) -> str:
        """Decrypt, then check the signature by `public`; raise CannotDecrypt, BadSignature, ProtocolError, KeyError."""
        room, sender = message["room"], message["sender"]
        if room not in self.keys:
            raise CannotDecrypt(CANNOT_DECRYPT)
        header = header_bytes(room, sender, message["counter"], message["time"])
        nonce, ciphertext = unb64(message, "nonce"), unb64(message, "ciphertext")
        padded = sealed.open_sealed(self.keys[room], nonce, ciphertext, labels.MESSAGE_AD, header)  # GCM's tag first
        self.check_signature(public, unb64(message, "signature"), self.signed_part(header, nonce, ciphertext, padded))
        return self.unpad(padded).decode("utf-8", errors="replace")

    def accept_key(self, sender: str, name: str) -> None:
        """Pin the new key `sender` came with, because the person said so (ChatError if none is waiting)."""
        self.identities.accept(sender, name)

    def is_replay(self, verdict: Verdict) -> bool:
        """Return True if the number was seen before (notebook 17's forgetful variants say no)."""
        return verdict.kind is Arrival.REPLAY

    def key_changed(self, sender: str, pinned: bytes, offered: bytes, name: str) -> bool:
        """Return True if a sender came with another key than their pin (their messages are then held back)."""
        return pinned != offered

    # The steps below are one protection each. The kit's sealed client is only these; notebook 17's variants
    # (chatkit/lab/flaws.py) each override one of them (or is_replay, key_changed, verifying_key) to leave it out.

    def nonce_for(self, counter: int) -> bytes:
        """Return a fresh random nonce: never the same twice under one room key, whoever sends (notebook 15)."""
        return os.urandom(sealed.NONCE_BYTES)

    def pad(self, data: bytes) -> bytes:
        """Pad to a whole 32-byte bucket, so a length shows only the bucket: "yes" and "no" look alike on the wire."""
        return lengths.pad_to_bucket(data)

    def unpad(self, data: bytes) -> bytes:
        """Strip what pad() added."""
        return lengths.unpad_bucket(data)

    def signed_part(self, header: bytes, nonce: bytes, ciphertext: bytes, plaintext: bytes) -> bytes:
        """Return what the signature covers: the header, the nonce and the ciphertext (all of the message)."""
        return header + nonce + ciphertext

    def check_signature(self, public: bytes, signature: bytes, signed: bytes) -> None:
        """Raise BadSignature unless `public` signed `signed`."""
        signing.verify(public, signature, labels.MESSAGE_SIGNATURE, signed)

    def marks(self, name: str) -> Marks:
        """Return the reader's marks of what it has seen, kept on disk in the key store (they outlive a restart)."""
        return Marks(self.identities.store(name))  # per sender AND key: another key never moves these

    def first_contact(self, sender: str, public: bytes, name: str) -> tuple[Problem, ...]:
        """Pin a newcomer's key (once its signature checked out) and flag a name that looks like someone else's."""
        return self.identities.remember(sender, public, name)

    def arrival_warnings(self, sender: str, verdict: Verdict) -> tuple[Problem, ...]:
        """Warn of skipped numbers (a gap) and of a message that came after later ones."""
        return arrival_warnings(sender, verdict)
