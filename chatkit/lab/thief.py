"""A thief who copied one member's memory in the ratchet mode, and the messages captured on the wire (notebook 11).

    stolen = alice.codec.snapshot()          # everything a thief copies: identity key, chains, sessions
    thief = Thief(stolen)
    thief.read(relay.lines(containing='"message"'))   # {(sender, generation, index): text} of what opens

The thief runs the chat's own code (`SenderKeys.restore` and `SenderKeys.open`): every chain in the copy steps
forward from where it was copied, never back. The member's own sending chain is read like anyone else's, since the
thief, unlike the member, keeps no copy of the texts sent.
"""

import json
from typing import Any

from chatkit.client.sender_keys import SenderKeys
from chatkit.crypto.chains import ReceivingChain
from chatkit.lab.relay import Captured

Key = tuple[str, int, int]  # (sender, generation, index)


class Thief:
    """Open captured messages with the sender keys a member held when their state was copied."""

    def __init__(self, stolen: dict[str, Any]) -> None:
        self.victim = stolen["name"]
        self.keys = SenderKeys.restore(stolen["sender_keys"])
        own = stolen["sender_keys"]["chain"]
        if own is not None:  # the victim's own chain, as a receiver would step it
            self.keys.receiving[(self.victim, self.keys.generation)] = ReceivingChain.from_snapshot(own)
        self.members = dict(stolen["group"][1]) if stolen["group"] else {}

    def read(self, captured: list[Captured]) -> dict[Key, str]:
        """Return the text of every captured message the stolen keys open, by (sender, generation, index)."""
        frames = [json.loads(seen.line) for seen in captured]
        messages = [frame for frame in frames if frame.get("type") == "message" and "generation" in frame]
        read: dict[Key, str] = {}
        for message in sorted(messages, key=lambda frame: (frame["generation"], frame["index"])):
            text = self.open(message)
            if text is not None:
                read[(message["sender"], message["generation"], message["index"])] = text
        return read

    def open(self, message: dict[str, Any]) -> str | None:
        """Return one message's text, or None if no stolen key opens it."""
        signer = self.members.get(message["sender"])
        if signer is None or not self.keys.has(message["sender"], message["generation"]):
            return None  # a sender, or a generation, the stolen state never had
        try:
            return self.keys.open(message, signer)
        except ValueError:  # CannotDecrypt, BadSignature and ProtocolError: the key is not the thief's
            return None
