"""An active thief: it stole a ratchet-mode member's memory, identity key included, and sits on its connection.

    stolen = bob.snapshot()
    thief = ActiveThief(stolen, relay)        # relay: the one bob connects through (stage.client("bob", via=relay))
    bob.update()                              # the heal...
    thief.opened                              # ...does not lock this thief out: it answers the fresh exchanges

A key update replaces every key that came from bob's old memory, through fresh exchanges signed with bob's
identity key. A passive thief cannot take part in them (chatkit/lab/thief.py). This one can: it holds that
identity key, so it answers the offers made to bob as bob, and the others seal their new sender keys for it.
Bob never gets those keys (the thief cannot pass them on: it lacks the others' identity keys), so his messages
from them stay closed to him: the heal fails, visibly, for bob. This is what healing cannot do (notebook 11).
"""

from typing import Any

from chatkit import protocol
from chatkit.client.pairwise import Pairwise
from chatkit.client.ratchet_codec import RatchetCodec
from chatkit.crypto import signing
from chatkit.lab.relay import TO_CLIENT, TO_SERVER, Captured, Relay
from chatkit.lab.thief import Thief
from chatkit.protocol import Frame, ProtocolError, Refused


class ActiveThief:
    """A stolen identity key on the victim's connection: it takes over the exchanges others start with the victim."""

    def __init__(self, snapshot: dict[str, Any], relay: Relay) -> None:
        self.passive = Thief(snapshot)  # what the stolen chains still open
        self.victim = snapshot["name"]
        self.sessions = Pairwise(signing.identity_from_seed(snapshot["identity"]), self.victim)
        self.relay = relay
        relay.tamper = self.tamper

    @property
    def opened(self) -> list[str]:
        """The texts the thief has read."""
        return self.passive.opened

    def tamper(self, seen: Captured) -> bytes | None:
        """Take over the lines of exchanges with the victim; show every other line to the passive thief."""
        if seen.direction != TO_CLIENT:
            return seen.line
        try:
            frame = protocol.decode(seen.line)
        except ProtocolError:
            return seen.line
        if frame["type"] == "direct" and self._ours(frame):
            self._take_over(seen.connection, frame)
            return None  # the victim never sees the exchange it was meant to answer
        self.passive.watch(seen.line)
        return seen.line

    def _ours(self, frame: Frame) -> bool:
        """Return True for a new offer, and for the rest of an exchange the thief took over."""
        key = (frame["from"], frame["body"].get("session"))
        return frame["kind"] == "offer" or key in self.sessions.answering or key in self.sessions.incoming

    def _take_over(self, connection: int, frame: Frame) -> None:
        """Answer an offer as the victim, finish the exchange, and learn the sender key in the envelope."""
        peer, body, room = frame["from"], frame["body"], frame["room"]
        codec = self.passive.session.codec
        if not isinstance(codec, RatchetCodec):
            return
        state = codec.group.state
        peer_key = None if state is None else state.key_of(peer)
        try:
            if frame["kind"] == "offer" and peer_key is not None:
                for answer in self.sessions.on_offer(room, peer, peer_key, body):
                    self.relay.inject(connection, TO_SERVER, protocol.encode(answer))
            elif frame["kind"] == "finish":
                self.sessions.on_finish(peer, body)
            elif frame["kind"] == "envelope":
                codec.keys.learn(peer, self.sessions.open(room, peer, body))
                self.passive.release()
        except (Refused, ProtocolError):
            pass  # an exchange the thief could not take over: the victim would not have got it either

    def close(self) -> None:
        """Stop tampering and remove the copy's temporary pins."""
        self.relay.tamper = None
        self.passive.close()
