"""An active thief in the ratchet mode: a member's stolen identity key, on another member's network path (notebook 11).

    relay = stage.relay()
    bob = stage.client("bob", via=relay)
    thief = ActiveThief(alice.snapshot(), relay)   # Alice's state is copied; the thief sits on Bob's path
    relay.tamper = thief.tamper
    alice.update()                                 # the heal: Bob starts a fresh exchange with Alice...
    thief.read                                     # ...the thief answers it as Alice, and reads what Bob sends

When Bob starts an exchange with the victim, the thief answers it first, as the victim, signing with the stolen
identity key (the chat's own `Responder`); Bob's finish and his envelopes for the victim stop here. The envelopes
hold Bob's new sender key, so the thief reads his messages after the heal. No protocol heals against this thief
(Cohn-Gordon, Cremers, Garratt, CSF 2016): healing needs one exchange the thief does not take part in.
"""

import json
from typing import Any

from chatkit.client.pairwise import envelope_header
from chatkit.client.sender_keys import SenderKeys
from chatkit.crypto import sealed, signing
from chatkit.crypto.chains import ReceivingChain
from chatkit.crypto.hybrid import Responder
from chatkit.crypto.labels import ENVELOPE_AD
from chatkit.lab.relay import TO_CLIENT, TO_SERVER, Captured, Relay
from chatkit.protocol import ChatError, unb64

Key = tuple[str, int, int]  # (sender, generation, index)
MAX_HELD = 200  # messages kept for a sender key that may still come


class ActiveThief:
    """A relay's tamper function: answer every exchange offered to the victim, as the victim, and read on."""

    def __init__(self, stolen: dict[str, Any], relay: Relay) -> None:
        self.victim, self.relay = stolen["name"], relay
        self.identity = signing.identity_from_seed(stolen["identity"])
        self.members = dict(stolen["group"][1]) if stolen["group"] else {}
        self.names = {
            seen.connection: json.loads(seen.line).get("name", "") for seen in relay.lines(TO_SERVER, '"hello"')
        }
        self.answering: dict[str, tuple[str, Responder]] = {}  # session -> (peer, the thief's side of it)
        self.sessions: dict[tuple[str, str], ReceivingChain] = {}  # (peer, session) -> chain of the peer's envelopes
        self.keys = SenderKeys()  # the sender keys that reached the thief instead of the victim
        self.read: dict[Key, str] = {}
        self.held: list[dict[str, Any]] = []  # messages seen before their sender key reached the thief

    def tamper(self, seen: Captured) -> bytes | None:
        """Take the lines meant for the victim's exchanges; read every message a stolen sender key opens."""
        frame = json.loads(seen.line)
        if seen.direction == TO_SERVER and frame.get("type") == "hello":
            self.names[seen.connection] = frame.get("name", "")
        if seen.direction == TO_SERVER and frame.get("type") == "direct" and frame.get("to") == self.victim:
            return self.intercept(seen, frame)
        if seen.direction == TO_CLIENT and frame.get("type") == "message":
            self.open(frame)
        return seen.line

    def intercept(self, seen: Captured, frame: dict[str, Any]) -> bytes | None:
        """Answer an offer as the victim, take the finish and the envelopes that follow; pass anything else on."""
        peer, body = self.names.get(seen.connection, ""), frame["body"]
        if frame["kind"] == "offer" and peer in self.members:
            responder = Responder(self.identity, self.victim, peer, self.members[peer])
            answer = {"type": "direct", "room": frame["room"], "from": self.victim, "kind": "answer"}
            self.relay.inject(
                seen.connection, TO_CLIENT, json.dumps({**answer, "body": responder.on_offer(body)}).encode()
            )
            self.answering[responder.session or ""] = peer, responder
            return None
        if frame["kind"] == "finish" and body.get("session") in self.answering:
            _, responder = self.answering.pop(body["session"])
            self.sessions[(peer, body["session"])] = ReceivingChain(responder.on_finish(body))
            return None
        if frame["kind"] == "envelope" and (peer, body.get("session")) in self.sessions:
            self.open_envelope(peer, frame["room"], body)
            return None
        return seen.line

    def open_envelope(self, peer: str, room: str, body: dict[str, Any]) -> None:
        """Open an envelope meant for the victim; keep the sender key inside."""
        chain = self.sessions[(peer, body["session"])]
        header = envelope_header(peer, self.victim, room, body["session"])
        nonce, ciphertext = unb64(body, "nonce"), unb64(body, "ciphertext")
        item = json.loads(sealed.open_sealed(chain.key_for(body["n"]), nonce, ciphertext, ENVELOPE_AD, header))
        if item.get("kind") == "sender_key":
            self.keys.learn(peer, item)
            waiting, self.held = self.held[-MAX_HELD:], []
            for message in waiting:
                self.open(message)

    def open(self, message: dict[str, Any]) -> None:
        """Read a message if a sender key the thief took opens it."""
        signer = self.members.get(message["sender"])
        if signer is None:
            return
        if not self.keys.has(message["sender"], message.get("generation", -1)):
            self.held = [*self.held, message][-MAX_HELD:]  # its key may still come
            return
        try:
            text = self.keys.open(message, signer)
        except (ValueError, ChatError):  # not a key of the thief's, or a copy of a message already read
            return
        self.read[(message["sender"], message["generation"], message["index"])] = text
