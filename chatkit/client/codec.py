"""How a client turns text into a 'say' message and a 'message' back into text, in each mode. Pure: no sockets.

Every mode's codec has the same four methods (the `Codec` protocol), so the session calls them without asking
which mode it runs: `hello_fields`, `on_joined`, `seal` and `open`. What a codec refuses, it refuses with a
`protocol.Refused` and a code ('wrong_password', 'cannot_decrypt', 'replay', 'key_changed', 'held_back').

ClassicCodec: the original design: one key from the shared password and a static salt; AES-CBC, no MAC.
SealedCodec (sealed_codec.py): a key per room, AES-GCM, every message signed with the sender's lasting key.
RatchetCodec (ratchet_codec.py): pairwise hybrid exchanges, sender keys, a signed group with epochs.
"""

from typing import Any, Protocol

from chatkit.client.opened import Opened, cannot_decrypt
from chatkit.client.ratchet_codec import RatchetCodec
from chatkit.client.room_keys import Joining
from chatkit.client.sealed_codec import SealedCodec
from chatkit.crypto import CannotDecrypt, classic, kdf, signing
from chatkit.protocol import Frame

__all__ = ["ClassicCodec", "Codec", "SealedCodec", "make_codec"]


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
