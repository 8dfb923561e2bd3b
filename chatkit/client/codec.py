"""How a client turns text into a 'say' message and a 'message' back into text, in each mode. Pure: no sockets.

Every mode's codec has the same four methods (the `Codec` protocol), so the session calls them without asking
which mode it runs: `hello_fields`, `on_joined`, `seal` and `open`. What a codec refuses, it refuses with a
`protocol.Refused` and a code ('wrong_password', 'cannot_decrypt', 'replay', 'key_changed', 'held_back').

ClassicCodec: the original design: one key from the shared password and a static salt; AES-CBC, no MAC.
SealedCodec: a key per room from the salt and KDF its creator chose (pinned on first join, checked against a floor,
confirmed by a check that commits to the key); AES-GCM with the header (room, sender, counter, time) as
associated data; text padded to 32-byte buckets; every message signed with the sender's lasting Ed25519 key and
checked against the key pinned for them (identities.py); numbers 1, 2, 3 ... per sender and room, checked against
marks kept on disk (freshness.py).
"""

import os
import time
from typing import Any, Protocol

from chatkit.client.events import Problem
from chatkit.client.freshness import Arrival, Marks, Verdict, arrival_warnings
from chatkit.client.identities import Identities
from chatkit.client.keystore import KeyStore
from chatkit.client.opened import Opened
from chatkit.client.ratchet_codec import RatchetCodec
from chatkit.client.room_keys import Joining, RoomKeys
from chatkit.client.room_pins import RoomPins
from chatkit.crypto import CANNOT_DECRYPT, BadSignature, CannotDecrypt, classic, kdf, labels, lengths, sealed, signing
from chatkit.protocol import Frame, ProtocolError, Refused, b64, header_bytes, unb64


class Codec(Protocol):
    """What a mode's client does with keys: the same calls in every mode."""

    @property
    def mode(self) -> str:
        """Name the mode ('classic', 'sealed' or 'ratchet')."""
        ...

    def hello_fields(self, name: str) -> Frame:
        """Return what the 'hello' carries besides the name and room."""
        ...

    def on_joined(self, joined: Frame, name: str) -> Joining:
        """Get ready for a room the server put us in; say what to send back and what to warn of; raise Refused."""
        ...

    def seal(self, text: str, room: str, name: str) -> Frame:
        """Turn text into a 'say' message for this room."""
        ...

    def open(self, message: Frame, name: str) -> Opened:
        """Turn a relayed 'message' back into text; raise Refused saying why not."""
        ...


def cannot_decrypt(message: Frame) -> Refused:
    """Return the one refusal for every way a message can fail to open (one error for all, S7)."""
    return Refused("cannot_decrypt", f"{CANNOT_DECRYPT} (from {message['sender']})")


class ClassicCodec:
    """INSECURE BY DESIGN: the original client. Anyone with the password, the server included, reads everything."""

    mode = "classic"

    def __init__(self, password: str) -> None:
        self.key = kdf.classic_key(password)

    def hello_fields(self, name: str) -> Frame:
        """Prove knowledge of the password the way the original did: send your name encrypted."""
        return {"proof": classic.encrypt(self.key, name)}

    def on_joined(self, joined: Frame, name: str) -> Joining:
        """Nothing to do when joining a room: one key serves every room (the server checked the proof)."""
        return Joining()

    def seal(self, text: str, room: str, name: str) -> Frame:
        """Encrypt text for the server (which decrypts it)."""
        return {"type": "say", "ciphertext": classic.encrypt(self.key, text)}

    def open(self, message: Frame, name: str) -> Opened:
        """Decrypt a relayed message."""
        try:
            return Opened(classic.decrypt(self.key, message["ciphertext"]))
        except CannotDecrypt:
            raise cannot_decrypt(message) from None


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


def make_codec(
    mode: str, password: str, iterations: int | None, identity: signing.Identity | None = None, **sealed: Any
) -> Codec:
    """Build the codec of a mode (`sealed` holds the sealed codec's options: store, room_pins, despite_check)."""
    if mode == "classic":
        return ClassicCodec(password)
    if mode == "sealed":
        return SealedCodec(password, iterations, identity, **sealed)
    if mode == "ratchet":  # no password: every key comes from the members' identities and exchanges
        return RatchetCodec(identity, sealed.get("store"))
    raise ValueError(f"mode should be 'classic', 'sealed' or 'ratchet', got {mode!r}")
