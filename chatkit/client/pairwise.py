"""Pairwise sessions (ratchet mode): the hybrid exchange with each member, and envelopes sealed with its keys.

Each member sends over the sessions it started: to send something to bob, alice starts an exchange with him
(offer, answer, finish through `direct` lines: chatkit/crypto/hybrid.py) unless she has one, keeps what waits for
him in an outbox meanwhile, and then seals each item in an envelope under the next key of the session's chain.
Bob opens it with the matching receiving chain. The keys of both identities come from the signed group state.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from chatkit.crypto import sealed, signing
from chatkit.crypto.chains import ReceivingChain, SendingChain
from chatkit.crypto.errors import CannotDecrypt, HandshakeFailed
from chatkit.crypto.fields import number_field, raw_field, text_field
from chatkit.crypto.hybrid import Initiator, Responder
from chatkit.crypto.labels import ENVELOPE_AD
from chatkit.protocol import Frame, ProtocolError, Refused, b64

MAX_WAITING = 100  # items kept for a member whose session is not ready yet
MAX_RESTARTS = 2  # a failed exchange is started again this often (a relay that always swaps keys wins nothing)
MAX_ANSWERING = 4  # exchanges answered per member and not yet finished (offers are unsigned: anyone can send one)
Step = TypeVar("Step")  # what one step of an exchange returns


def direct(room: str, to: str, kind: str, body: dict[str, Any]) -> Frame:
    """Return a 'direct' line for one member."""
    return {"type": "direct", "room": room, "to": to, "kind": kind, "body": body}


def envelope_header(sender: str, to: str, room: str, session: str) -> bytes:
    """The associated data of an envelope: who to whom, in which room, over which session."""
    return json.dumps([sender, to, room, session], separators=(",", ":")).encode()


@dataclass
class Outgoing:
    """A session I started with one member: its id and the chain of keys for my envelopes to them."""

    session: str
    chain: SendingChain


@dataclass
class Pairwise:
    """My sessions with the other members, both ways, and the exchanges still under way."""

    identity: signing.Identity
    name: str
    pq: bool = True  # pq=False and signed=False: the lab's weakened exchanges (notebooks 10 and 13)
    signed: bool = True
    outgoing: dict[str, Outgoing] = field(default_factory=dict)
    incoming: dict[tuple[str, str], ReceivingChain] = field(default_factory=dict)  # (peer, session) -> chain
    starting: dict[str, Initiator] = field(default_factory=dict)
    answering: dict[tuple[str, str], Responder] = field(default_factory=dict)
    outbox: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)  # exchanges started again after one failed

    def send(self, room: str, peer: str, peer_key: bytes, item: dict[str, Any]) -> list[Frame]:
        """Seal an item for a member, or keep it and start an exchange if no session to them is ready."""
        if peer in self.outgoing:
            return [self._envelope(room, peer, item)]
        self.outbox[peer] = [*self.outbox.get(peer, []), item][-MAX_WAITING:]
        if peer in self.starting:
            return []
        self.starting[peer] = Initiator(self.identity, self.name, peer, peer_key, pq=self.pq, signed=self.signed)
        return [direct(room, peer, "offer", self.starting[peer].offer())]

    def on_offer(self, room: str, peer: str, peer_key: bytes, body: dict[str, Any]) -> list[Frame]:
        """Answer a member's offer (their session for envelopes to me), keeping the latest few under way."""
        session = text_field(body, "session", "offer", ProtocolError)
        if (peer, session) in self.answering or (peer, session) in self.incoming:  # a forged copy must not replace it
            raise Refused("handshake_failed", f"an offer came from {peer} for a session already under way: ignored")
        responder = Responder(self.identity, self.name, peer, peer_key, pq=self.pq, signed=self.signed)
        answer = self._exchange(peer, lambda: responder.on_offer(body))
        under_way = [key for key in self.answering if key[0] == peer]
        for oldest in under_way[: max(0, len(under_way) - MAX_ANSWERING + 1)]:  # the oldest go first
            del self.answering[oldest]
        self.answering[(peer, answer["session"])] = responder
        return [direct(room, peer, "answer", answer)]

    def on_answer(self, room: str, peer: str, body: dict[str, Any]) -> list[Frame]:
        """Finish the exchange I started; then send everything that waited for it."""
        initiator = self.starting.get(peer)
        if initiator is None or body.get("session") != initiator.session:  # a stray answer spends nothing
            raise Refused("handshake_failed", f"an answer came from {peer} for no exchange of ours: ignored")
        del self.starting[peer]
        finish, chain_key = self._exchange(peer, lambda: initiator.on_answer(body))
        self.outgoing[peer] = Outgoing(finish["session"], SendingChain(chain_key))
        waiting = self.outbox.pop(peer, [])
        return [direct(room, peer, "finish", finish), *(self._envelope(room, peer, item) for item in waiting)]

    def restart(self, room: str, peer: str, peer_key: bytes) -> list[Frame]:
        """Start a failed exchange again with fresh keys, if something still waits for it (a few times at most)."""
        self.restarts[peer] = self.restarts.get(peer, 0) + 1
        if peer in self.starting or not self.outbox.get(peer) or self.restarts[peer] > MAX_RESTARTS:
            return []
        self.starting[peer] = Initiator(self.identity, self.name, peer, peer_key, pq=self.pq, signed=self.signed)
        return [direct(room, peer, "offer", self.starting[peer].offer())]

    def on_finish(self, peer: str, body: dict[str, Any]) -> None:
        """Check a member's finish; their session's chain is then ready for their envelopes."""
        session = text_field(body, "session", "finish", ProtocolError)
        responder = self.answering.get((peer, session))
        if responder is None:
            raise Refused("handshake_failed", f"a finish came from {peer} for an exchange that is not under way")
        chain_key = self._exchange(peer, lambda: responder.on_finish(body))  # a forged finish leaves it waiting
        del self.answering[(peer, session)]
        self.incoming[(peer, session)] = ReceivingChain(chain_key)

    def open(self, room: str, peer: str, body: dict[str, Any]) -> dict[str, Any]:
        """Open a member's envelope with the next keys of their session; raise Refused if it does not open."""
        session = text_field(body, "session", "envelope", ProtocolError)
        chain = self.incoming.get((peer, session))
        if chain is None:
            raise Refused("cannot_decrypt", f"an envelope from {peer} names a session this member does not hold")
        nonce, ciphertext = (
            raw_field(body, "nonce", "envelope", ProtocolError),
            raw_field(body, "ciphertext", "envelope", ProtocolError),
        )
        try:  # the key is used up only once the envelope opened: a forged one burns nothing
            number = number_field(body, "n", "envelope", ProtocolError)
            plain = sealed.open_sealed(
                chain.peek(number), nonce, ciphertext, ENVELOPE_AD, envelope_header(peer, self.name, room, session)
            )
            chain.key_for(number)
            item = json.loads(plain)
        except (CannotDecrypt, ValueError):
            raise Refused("cannot_decrypt", f"an envelope from {peer} did not open (tampered, or replayed)") from None
        if not isinstance(item, dict):
            raise Refused("cannot_decrypt", f"an envelope from {peer} holds no object")
        return item

    def forget(self, peer: str) -> None:
        """Drop every session and exchange with a member (they left, or one of us updated its keys)."""
        self.outgoing.pop(peer, None)
        self.starting.pop(peer, None)
        self.outbox.pop(peer, None)
        for table in (self.incoming, self.answering):
            for key in [key for key in table if key[0] == peer]:
                del table[key]

    def _envelope(self, room: str, peer: str, item: dict[str, Any]) -> Frame:
        """Seal one item under the next key of my session with a member."""
        outgoing = self.outgoing[peer]
        n, key = outgoing.chain.next()
        header = envelope_header(self.name, peer, room, outgoing.session)
        nonce, ciphertext = sealed.seal(key, json.dumps(item).encode(), ENVELOPE_AD, header)
        body = {"session": outgoing.session, "n": n, "nonce": b64(nonce), "ciphertext": b64(ciphertext)}
        return direct(room, peer, "envelope", body)

    def _exchange(self, peer: str, step: Callable[[], Step]) -> Step:
        """Run one step of an exchange, turning its failure into a refusal that names the member."""
        try:
            return step()
        except HandshakeFailed as failure:
            raise Refused("handshake_failed", f"{failure} (in the exchange with {peer}: no key comes of it)") from None

    def snapshot(self) -> dict[str, Any]:
        """Return the sessions' secrets, as a thief who copied this member's memory would hold them."""
        return {
            "outgoing": {peer: {"session": out.session, **out.chain.snapshot()} for peer, out in self.outgoing.items()},
            "incoming": {key: chain.snapshot() for key, chain in self.incoming.items()},
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Take the sessions of snapshot()'s dict (what the thief of notebook 11 runs)."""
        for peer, out in state["outgoing"].items():
            self.outgoing[peer] = Outgoing(out["session"], SendingChain.from_snapshot(out))
        self.incoming = {key: ReceivingChain.from_snapshot(chain) for key, chain in state["incoming"].items()}
