"""A thief who copied a ratchet-mode member's memory once, then only watches the lines that member receives.

    stolen = alice.snapshot()                          # every secret alice holds right now (notebook 11)
    thief = Thief(stolen)
    thief.watch_client(alice)                          # from now on: every line the server sends alice
    thief.opened                                       # the texts the thief could read

What a passive thief reads: the messages whose keys follow from the stolen chains (those sent after the theft), the
victim's own included, and new sender keys sent over the stolen pairwise sessions. Not what came before the theft
(the chains only run forward), and nothing once the victim or anyone updates keys with fresh exchanges, whose
ephemeral secrets the thief never saw (healing). The thief sends nothing: its would-be answers are dropped.
"""

import tempfile
from pathlib import Path
from typing import Any

from chatkit import protocol
from chatkit.client import ChatClient
from chatkit.client.events import ChatMessage, Event, Wire
from chatkit.client.keystore import KeyStore
from chatkit.client.ratchet_codec import RatchetCodec
from chatkit.client.reaction import Reaction
from chatkit.client.sender_keys import SenderKeys
from chatkit.client.session import ClientSession
from chatkit.crypto import CannotDecrypt, signing
from chatkit.crypto.chains import ReceivingChain
from chatkit.protocol import ProtocolError, Refused


class Thief:
    """A copy of a member's secrets that opens whatever it can of the lines it is shown."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.victim = snapshot["name"]
        self._pins = tempfile.TemporaryDirectory(prefix="chatkit-thief-")  # the copy's pins, never the victim's
        codec = RatchetCodec.restore(snapshot, KeyStore(Path(self._pins.name) / self.victim))
        self.session = ClientSession(self.victim, snapshot["room"], codec)
        self.victim_key = signing.public_bytes(codec.identity)
        self.own = SenderKeys()  # the victim's own sending chain, read as a receiver: its next messages open
        chain = snapshot["sender_keys"]["chain"]
        if chain is not None:
            own_chain = ReceivingChain(chain["chain_key"], chain["index"])
            self.own.receiving[(self.victim, snapshot["sender_keys"]["generation"])] = own_chain
        self.opened: list[str] = []

    def watch(self, line: bytes) -> list[str]:
        """Take one line the victim received; return the texts it opened for the thief."""
        texts = self._own_message(line)
        if texts is None:
            events = self.session.receive(line).events
            texts = [event.text for event in events if isinstance(event, ChatMessage)]
        self.opened += texts
        return texts

    def release(self) -> list[str]:
        """Open the messages held for a sender key the thief learned another way (chatkit/lab/active_thief.py)."""
        events = self.session.ratchet_outcome(Reaction(released=True)).events
        texts = [event.text for event in events if isinstance(event, ChatMessage)]
        self.opened += texts
        return texts

    def watch_lines(self, lines: list[bytes]) -> list[str]:
        """Take many lines, in order; return every text opened."""
        return [text for line in lines for text in self.watch(line)]

    def watch_client(self, client: ChatClient) -> None:
        """Watch every line the client receives from now on (as if the thief sat in its memory)."""

        def on_event(event: Event) -> None:
            if isinstance(event, Wire) and event.direction == "received":
                self.watch(event.line)

        client.listeners.append(on_event)

    def _own_message(self, line: bytes) -> list[str] | None:
        """Open a message the victim sent with the stolen sending chain; None if the line is not one."""
        try:
            frame = protocol.decode(line)
        except ProtocolError:
            return None
        if frame["type"] != "message" or frame.get("sender") != self.victim:
            return None
        if not self.own.has(self.victim, frame.get("generation", -1)):
            return []
        try:
            return [self.own.open(frame, self.victim_key)]
        except (CannotDecrypt, Refused, ValueError, KeyError):
            return []

    def close(self) -> None:
        """Remove the copy's temporary pins."""
        self._pins.cleanup()
