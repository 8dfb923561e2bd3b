"""The wire formats the load generator speaks: the naive baseline's and the kit's (classic or sealed; the ratchet
mode's is in ratchet_wire.py).

Each format opens a client (greeting, then waits until it is in its room where the protocol says so), makes
numbered chat lines, and reads a received line back into (sender, key). The key names one message uniquely, so
the tally can spot losses and duplicates: the text itself in classic formats, (sender, counter) in sealed mode.
"""

import json
import socket
import tempfile
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from chatkit import protocol
from chatkit.client.codec import ClassicCodec, SealedCodec
from chatkit.client.keystore import KeyStore
from chatkit.crypto import CannotDecrypt, classic, kdf

PASSWORD = "shared-secret"  # the baseline's default; the kit's classic server is started with the same
FAST_ITERATIONS = 1_000  # sealed clients of the benchmark: key derivation is not what is measured
TEXT_BYTES = 100

Parsed = tuple[str, Hashable] | None


def numbered_text(name: str, seq: int) -> str:
    """Return a 100-byte chat text that names its sender and number."""
    head = f"{name}:{seq}:"
    return head + "x" * (TEXT_BYTES - len(head))


@dataclass
class Speaker:
    """One connected benchmark client: its socket, name and (for the kit) its codec."""

    sock: socket.socket
    name: str
    room: str
    codec: ClassicCodec | SealedCodec | None = None
    leftover: bytes = field(default=b"", repr=False)


class BaselineWire:
    """The naive reference: encrypted lines (name, room, then messages); no echo to the sender; no replies."""

    label = "baseline"
    echoes = False

    def __init__(self) -> None:
        self.key = kdf.classic_key(PASSWORD)

    def open(self, sock: socket.socket, name: str, room: str) -> Speaker:
        """Send the two greeting lines; the baseline answers nothing, so there is nothing to wait for."""
        sock.sendall(self._line(name) + self._line(room))
        return Speaker(sock, name, room)

    def ready(self, speakers: list[Speaker]) -> dict[str, float]:
        """Nothing to get ready: the baseline relays to whoever sent a name and a room."""
        return {}

    def say(self, speaker: Speaker, seq: int) -> tuple[bytes, Hashable]:
        """Return one encrypted chat line and its key."""
        text = numbered_text(speaker.name, seq)
        return self._line(text), text

    def parse(self, line: bytes) -> Parsed:
        """Read '[room] user: text' out of a relayed line."""
        try:
            relayed = classic.decrypt(self.key, line.strip().decode("ascii"))
        except (CannotDecrypt, UnicodeDecodeError):
            return None
        sender_and_text = relayed.split("] ", 1)[-1]
        sender, _, text = sender_and_text.partition(": ")
        return sender, text

    def _line(self, text: str) -> bytes:
        return classic.encrypt(self.key, text).encode("ascii") + b"\n"


class KitWire:
    """chatkit's protocol: JSON lines; the server echoes every message to its sender too."""

    echoes = True

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.label = f"kit-{mode}"
        self.key = kdf.classic_key(PASSWORD)  # derived once: every classic client shares it

    def open(self, sock: socket.socket, name: str, room: str) -> Speaker:
        """Say hello and wait for 'joined' (sealed: derive the room key and send the room check if first)."""
        speaker = Speaker(sock, name, room, self._codec(name))
        hello = {"type": "hello", "name": name, "room": room, **speaker.codec.hello_fields(name)}  # type: ignore[union-attr]
        sock.sendall(protocol.encode(hello))
        joined = self._wait_joined(speaker)
        joining = speaker.codec.on_joined(joined, name)  # type: ignore[union-attr]
        if joining.reply is not None:  # sealed: we created the room and leave its parameters and check
            sock.sendall(protocol.encode(joining.reply))
            speaker.codec.on_joined(self._wait_joined(speaker), name)  # type: ignore[union-attr]  # what it stored
        return speaker

    def _codec(self, name: str) -> ClassicCodec | SealedCodec:
        if self.mode == "sealed":  # each simulated person's key store in the temporary folder, not the home folder
            store = KeyStore(Path(tempfile.gettempdir()) / "chatkit-bench-keys" / name)
            return SealedCodec(PASSWORD, iterations=FAST_ITERATIONS, store=store)
        codec = ClassicCodec.__new__(ClassicCodec)  # skip a second 100,000-iteration derivation per client
        codec.key = self.key
        return codec

    def _wait_joined(self, speaker: Speaker) -> protocol.Frame:
        """Read lines until the server says we are in the room; raise RuntimeError on an error reply."""
        buffer = b""
        while True:
            data = speaker.sock.recv(65536)
            if not data:
                raise RuntimeError(f"{speaker.name}: server closed the connection while greeting")
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                frame = json.loads(line)
                if frame["type"] == "error":
                    raise RuntimeError(f"{speaker.name}: server refused: {frame['text']}")
                if frame["type"] == "joined":
                    return frame

    def ready(self, speakers: list[Speaker]) -> dict[str, float]:
        """Nothing to get ready: a member is in the room once 'joined' came."""
        return {}

    def say(self, speaker: Speaker, seq: int) -> tuple[bytes, Hashable]:
        """Return one 'say' line and its key."""
        text = numbered_text(speaker.name, seq)
        frame = speaker.codec.seal(text, speaker.room, speaker.name)  # type: ignore[union-attr]
        key = (speaker.name, frame["counter"]) if self.mode == "sealed" else text
        return protocol.encode(frame), key

    def parse(self, line: bytes) -> Parsed:
        """Read (sender, key) out of a relayed 'message' line; None for every other line."""
        if not line.startswith(b'{"time"') and b'"type": "message"' not in line:
            return None
        frame = json.loads(line)
        if frame.get("type") != "message":
            return None
        if self.mode == "sealed":
            return frame["sender"], (frame["sender"], frame["counter"])
        try:
            return frame["sender"], classic.decrypt(self.key, frame["ciphertext"])
        except CannotDecrypt:
            return None


class Wire(Protocol):
    """What every wire format offers the scenarios."""

    label: str
    echoes: bool  # the server relays a message to its sender too

    def open(self, sock: socket.socket, name: str, room: str) -> Speaker: ...

    def ready(self, speakers: list[Speaker]) -> dict[str, float]: ...

    def say(self, speaker: Speaker, seq: int) -> tuple[bytes, Hashable]: ...

    def parse(self, line: bytes) -> Parsed: ...
