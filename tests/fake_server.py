"""A fake chat server on loopback for attack tests: it greets one client, then sends whatever the test tells it to.

It speaks just enough of the protocol to get a ChatClient into its first room (a `welcome` and a `joined`), and
then plays the malicious server: every line the test gives it goes to the client as it is, valid or not.
"""

import contextlib
import json
import socket
import threading
from typing import Any

from chatkit import protocol
from chatkit.crypto import classic, kdf
from chatkit.framing import LineReader

ACCEPT_SECONDS = 10.0
PASSWORD = "correct horse battery staple"


class FakeServer:
    """A listening socket that accepts one client and lets the test write lines to it."""

    def __init__(
        self, mode: str = "classic", joined: dict[str, Any] | None = None, answer: dict[str, Any] | None = None
    ) -> None:
        self.mode = mode
        # what the hello is answered with: a 'joined' with these fields, or the whole `answer` frame given
        self.answer = answer or {"type": "joined", **(joined if joined is not None else {"room": "general"})}
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(ACCEPT_SECONDS)
        self.address: tuple[str, int] = self.listener.getsockname()[:2]
        self.peer: socket.socket | None = None
        self.received: list[dict[str, Any]] = []
        self._greeted = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        self._next_id = 0

    def _serve(self) -> None:
        """Accept the client, answer its hello, then record every line it sends."""
        try:
            self.peer, _ = self.listener.accept()
        except OSError:
            return
        reader = LineReader(self.peer.recv, protocol.MAX_LINE_BYTES)
        try:
            while line := reader.readline():
                frame = json.loads(line)
                self.received.append(frame)
                if frame.get("type") == "hello":
                    self.send_frame({"type": "welcome", "name": frame["name"], "mode": self.mode})
                    self.send_frame(self.answer)
                    self._greeted.set()
        except (OSError, ValueError):
            pass

    def send(self, line: bytes) -> None:
        """Send raw bytes to the client."""
        if self.peer is None:
            raise RuntimeError("the fake server has no client yet")
        self.peer.sendall(line)

    def send_frame(self, frame: dict[str, Any]) -> None:
        """Send one JSON object as a line, unchecked (a malicious server need not follow the protocol)."""
        self.send(json.dumps(frame).encode() + b"\n")

    def classic_message(self, text: str, sender: str = "bob", **fields: Any) -> dict[str, Any]:
        """Build a classic 'message' the client can decrypt (the classic server knows the password)."""
        self._next_id += 1
        ciphertext = classic.encrypt(kdf.classic_key(PASSWORD), text)
        frame = {"type": "message", "id": self._next_id, "room": "general", "sender": sender, "time": 1.7e9}
        return frame | {"ciphertext": ciphertext} | fields

    def stop(self) -> None:
        """Close both sockets and wait for the thread."""
        for sock in (self.peer, self.listener):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        self._thread.join(timeout=ACCEPT_SECONDS)
