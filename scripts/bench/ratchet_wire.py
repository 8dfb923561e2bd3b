"""The ratchet mode's wire format for the load generator: the server's side of it, with stand-in ciphertext.

The ratchet server checks no ciphertext and no signature: it relays a `say`'s sealed fields as they came
(chatkit/server/ratchet.py). So the load generator sends well-formed ratchet lines whose ciphertext, nonce and
signature are random bytes of the real sizes (a 100-byte text padded to 128 bytes, sealed with AES-GCM, signed with
Ed25519), and never makes a group: the benchmark measures the server. What the members' own work costs (the
exchanges, the sender keys, a change at 10, 100 or 300 members) is measured by scripts/group_scale.py.
"""

import base64
import json
import os
import socket
from collections.abc import Hashable

from bench.wire import Parsed, Speaker
from chatkit import protocol

SEALED_BYTES = 128 + 16  # a 100-byte text (bench.wire.TEXT_BYTES) padded to 128 bytes, and the AES-GCM tag


def b64_random(size: int) -> str:
    """Return `size` random bytes as base64."""
    return base64.b64encode(os.urandom(size)).decode()


class RatchetWire:
    """Ratchet-mode lines: a hello with a public key, then sealed `say`s numbered by their chain index."""

    label = "kit-ratchet"
    echoes = True
    mode = "ratchet"

    def open(self, sock: socket.socket, name: str, room: str) -> Speaker:
        """Say hello in the ratchet mode and wait for 'joined'."""
        sock.sendall(
            protocol.encode({"type": "hello", "name": name, "room": room, "pubkey": b64_random(32), "mode": "ratchet"})
        )
        speaker = Speaker(sock, name, room)
        buffer = b""
        while b'"type": "joined"' not in buffer:
            data = sock.recv(65536)
            if not data or b'"type": "error"' in data:
                raise RuntimeError(f"{name}: the ratchet server refused or closed the connection while greeting")
            buffer += data
        return speaker

    def say(self, speaker: Speaker, seq: int) -> tuple[bytes, Hashable]:
        """Return one ratchet 'say' line (stand-in ciphertext of the real size) and its key (sender, index)."""
        index = seq + 1  # the keep-alive line of a scenario has seq -1
        fields = {"type": "say", "room": speaker.room, "epoch": 0, "group": b64_random(32), "generation": 0}
        fields |= {"index": index, "nonce": b64_random(12), "ciphertext": b64_random(SEALED_BYTES)}
        fields["signature"] = b64_random(64)
        return protocol.encode(fields), (speaker.name, index)

    def parse(self, line: bytes) -> Parsed:
        """Read (sender, key) out of a relayed 'message' line; None for every other line."""
        if b'"type": "message"' not in line:
            return None
        frame = json.loads(line)
        return frame["sender"], (frame["sender"], frame["index"])
