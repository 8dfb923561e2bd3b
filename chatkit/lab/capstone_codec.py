"""The capstone's sealed client, cut into small named steps so one step can be weakened at a time (notebook 17).

`CapstoneCodec` seals and opens exactly as the kit's `SealedCodec` does (the same frames, checks and warnings);
it only names each step (the nonce, the padding, what is signed, the signature check, where the marks live, which
warnings are shown) so that a variant in `flaws.py` can override one of them and a fix can put it back. The
capstone's tests drive this codec and `SealedCodec` through the same conversation to show they agree.
"""

import os
import time

from chatkit.client.codec import SealedCodec, cannot_decrypt
from chatkit.client.events import Problem
from chatkit.client.freshness import Marks, Verdict, arrival_warnings
from chatkit.client.keystore import KeyStore
from chatkit.client.opened import Opened
from chatkit.crypto import CANNOT_DECRYPT, BadSignature, CannotDecrypt, labels, lengths, sealed, signing
from chatkit.protocol import Frame, ProtocolError, Refused, b64, header_bytes, unb64


class CapstoneCodec(SealedCodec):
    """The kit's sealed client, one overridable method per protection."""

    def seal(self, text: str, room: str, name: str) -> Frame:
        """Encrypt and sign text for this room, our next number in it, and the time (as SealedCodec does)."""
        counter, sent_at = self.identities.store(name).next_sequence(room), round(time.time(), 3)
        header = header_bytes(room, name, counter, sent_at)
        plaintext = self.pad(text.encode())
        nonce = self.nonce_for(counter)
        ciphertext = sealed.gcm_encrypt(self.keys[room], nonce, plaintext, labels.MESSAGE_AD + header)
        signed = self.signed_part(header, nonce, ciphertext, plaintext)
        signature = signing.sign(self.identities.own(name), labels.MESSAGE_SIGNATURE, signed)
        fields = {"room": room, "counter": counter, "time": sent_at, "nonce": b64(nonce)}
        return {"type": "say", **fields, "ciphertext": b64(ciphertext), "signature": b64(signature)}

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
        met = self.first_contact(sender, public, name)
        return Opened(text, (*met, *self.arrival_warnings(sender, verdict)))

    def decrypt(self, message: Frame, public: bytes) -> str:
        """Decrypt, then check the signature with `public`; raise CannotDecrypt, BadSignature or ProtocolError."""
        room, sender = message["room"], message["sender"]
        if room not in self.keys:
            raise CannotDecrypt(CANNOT_DECRYPT)
        header = header_bytes(room, sender, message["counter"], message["time"])
        nonce, ciphertext = unb64(message, "nonce"), unb64(message, "ciphertext")
        plaintext = sealed.open_sealed(self.keys[room], nonce, ciphertext, labels.MESSAGE_AD, header)
        self.check_signature(
            public, unb64(message, "signature"), self.signed_part(header, nonce, ciphertext, plaintext)
        )
        return self.unpad(plaintext).decode("utf-8", errors="replace")

    def nonce_for(self, counter: int) -> bytes:
        """Return a fresh random nonce: never the same twice under one room key."""
        return os.urandom(sealed.NONCE_BYTES)

    def pad(self, data: bytes) -> bytes:
        """Pad to a whole bucket, so lengths show only the bucket."""
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
        """Return the reader's high-water marks, kept on disk in the key store (they outlive a restart)."""
        return Marks(self.identities.store(name))

    def first_contact(self, sender: str, public: bytes, name: str) -> tuple[Problem, ...]:
        """Pin a newcomer's key and flag a name that looks like someone else's."""
        return self.identities.remember(sender, public, name)

    def arrival_warnings(self, sender: str, verdict: Verdict) -> tuple[Problem, ...]:
        """Warn of skipped numbers (a gap) and of a message that came after later ones."""
        return arrival_warnings(sender, verdict)


class MemoryMarks(KeyStore):
    """A key store whose marks live in a dict: what is seen is forgotten when the client closes.

    It keeps only what `Marks` asks a key store for (marks and missing numbers); no identity key, no pins, no file.
    """

    def __init__(self) -> None:  # no folder: nothing here is ever written
        self.seen: dict[tuple[str, str], int] = {}
        self.skipped: dict[tuple[str, str], list[int]] = {}

    def high_water(self, room: str, sender: str) -> int:
        """Return the highest number seen from `sender` in `room` in this session (-1 if none)."""
        return self.seen.get((room, sender), -1)

    def advance(self, room: str, sender: str, sequence: int) -> None:
        """Raise the mark, in memory only."""
        self.seen[(room, sender)] = max(sequence, self.high_water(room, sender))

    def missing(self, room: str, sender: str) -> list[int]:
        """Return the numbers skipped in this session."""
        return self.skipped.get((room, sender), [])

    def set_missing(self, room: str, sender: str, numbers: list[int]) -> None:
        """Replace the numbers skipped, in memory only."""
        self.skipped[(room, sender)] = numbers
