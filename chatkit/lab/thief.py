"""A thief who copied one member's memory in the ratchet mode, and the lines captured on the wire (notebook 11).

    stolen = alice.snapshot()                  # everything a thief copies: identity key, chains, sessions
    thief = Thief(stolen)
    thief.read(relay.lines(TO_CLIENT))         # {(sender, generation, index): text} of every message that opens

The thief runs the chat's own code (`Pairwise` and `SenderKeys`, restored from the copy): it opens every envelope
that reached the victim under a stolen session (learning the sender keys inside), then every message a sender key
opens. Every chain steps forward from where it was copied, never back. The victim's own sending chain is read like
anyone else's, since the thief, unlike the victim, keeps no copy of the texts sent.
"""

import json
from typing import Any

from chatkit.client.pairwise import Pairwise
from chatkit.client.sender_keys import SenderKeys
from chatkit.crypto import signing
from chatkit.crypto.chains import ReceivingChain
from chatkit.lab.relay import Captured
from chatkit.protocol import ChatError

Key = tuple[str, int, int]  # (sender, generation, index)


class Thief:
    """Open captured envelopes and messages with what a member held when their state was copied."""

    def __init__(self, stolen: dict[str, Any]) -> None:
        self.stolen, self.victim = stolen, stolen["name"]
        self.members = dict(stolen["group"][1]) if stolen["group"] else {}
        self.keys = SenderKeys()
        self.envelopes_opened = 0

    def read(self, captured: list[Captured]) -> dict[Key, str]:
        """Return the text of every captured message the stolen state opens, by (sender, generation, index)."""
        self.keys, sessions = self.restore()  # a key is handed out once: each reading starts from the copy
        frames = [json.loads(seen.line) for seen in captured]
        self.envelopes_opened = sum(self.open_envelope(sessions, frame) for frame in frames if is_envelope(frame))
        messages = [frame for frame in frames if frame.get("type") == "message" and "generation" in frame]
        read: dict[Key, str] = {}
        for message in sorted(messages, key=lambda frame: (frame["generation"], frame["index"])):
            text = self.open(message)
            if text is not None:
                read[(message["sender"], message["generation"], message["index"])] = text
        return read

    def restore(self) -> tuple[SenderKeys, Pairwise]:
        """Return the sender keys and the pairwise sessions of the copy, as they were when it was made."""
        keys = SenderKeys.restore(self.stolen["sender_keys"])
        own = self.stolen["sender_keys"]["chain"]
        if own is not None:  # the victim's own chain, as a receiver would step it
            keys.receiving[(self.victim, keys.generation)] = ReceivingChain.from_snapshot(own)
        sessions = Pairwise(signing.identity_from_seed(self.stolen["identity"]), self.victim)
        sessions.restore(self.stolen["pairwise"])
        return keys, sessions

    def open_envelope(self, sessions: Pairwise, frame: dict[str, Any]) -> bool:
        """Try a stolen session on an envelope sent to the victim; keep the sender key inside if it opens."""
        try:
            item = sessions.open(frame["room"], frame["from"], frame["body"])
        except (
            ChatError,
            ValueError,
        ):  # Refused or malformed: a session the copy does not hold (a fresh one), or a key handed out already
            return False
        if item.get("kind") == "sender_key":
            self.keys.learn(frame["from"], item)
        return True

    def open(self, message: dict[str, Any]) -> str | None:
        """Return one message's text, or None if no stolen key opens it."""
        signer = self.members.get(message["sender"])
        if signer is None or not self.keys.has(message["sender"], message["generation"]):
            return None  # a sender, or a generation, the stolen state never had
        try:
            return self.keys.open(message, signer)
        except ValueError:  # CannotDecrypt, BadSignature and ProtocolError: the key is not the thief's
            return None


def is_envelope(frame: dict[str, Any]) -> bool:
    """Return whether a line is an envelope delivered to someone (the server's 'direct' line with 'from')."""
    return frame.get("type") == "direct" and frame.get("kind") == "envelope" and "from" in frame
