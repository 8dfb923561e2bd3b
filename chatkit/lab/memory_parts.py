"""What the in-memory relay's members and the server's rules are given instead of files and sockets.

A member of a 300-member group pins 299 identity keys; the real key store rewrites its pins file for each one,
which would make the measurement one of the disk. The server's rules read only a member's name, room and public
key, so a seat with those three stands in for a connection (chatkit/lab/memory_relay.py).
"""

from pathlib import Path
from typing import Any

from chatkit import protocol
from chatkit.client.keystore import KeyStore, Pin


class MemoryKeyStore(KeyStore):
    """A key store whose pins live in memory: a member of a 300-member group pins 299 keys, once each."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self._pins: dict[str, Any] = {}

    def _read_json(self, filename: str) -> dict[str, Any]:
        return dict(self._pins) if filename == "pins.json" else {}

    def _save_pin(self, name: str, pin: Pin) -> None:
        self._pins[name] = {"public": protocol.b64(pin.public), "verified": pin.verified}


class Seat:
    """What the server's rules read of a member: name, room and public key (a Member without its socket)."""

    def __init__(self, name: str, room: str) -> None:
        self.name, self.room, self.pubkey = name, room, ""
