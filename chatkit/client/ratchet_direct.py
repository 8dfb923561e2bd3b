"""What a ratchet-mode member does with a line for it alone: a welcome, a step of an exchange, an envelope.

The exchange (offer, answer, finish) and the envelopes are pairwise.py's; here each is checked against the signed
group state (whose keys the exchange is signed with) and what it leads to is reported: a new sender key lets the
messages held for it open. A newcomer has no state until its welcome: lines that come before it wait, and are then
taken in order.
"""

from collections.abc import Callable
from typing import Any

from chatkit.client.events import Event, Problem
from chatkit.client.ratchet_group import state_from_welcome
from chatkit.client.ratchet_steps import Steps
from chatkit.client.reaction import Reaction
from chatkit.protocol import Frame, ProtocolError, Refused, b64


class DirectLines(Steps):
    """The ratchet codec's reactions to 'direct' lines (a part of RatchetCodec, on top of its group steps)."""

    def on_direct(self, frame: Frame, name: str) -> Reaction:
        """Take a pairwise line: a welcome, a step of an exchange, or an envelope with a sender key."""
        kind, peer, state = frame["kind"], frame["from"], self.group.state
        if kind == "welcome":
            return self._welcomed(frame)
        if state is None:
            self.group.wait(frame)
            return Reaction()
        peer_key = state.key_of(peer)
        if peer_key is None or self.pairwise is None:
            return Reaction((Problem("not_in_group", f"a {kind} line from {peer}, who is not in the group: ignored"),))
        try:
            return DIRECT_STEPS[kind](self, peer, peer_key, frame["body"])
        except (Refused, ProtocolError) as refusal:
            return self.problems(refusal)

    def _welcomed(self, frame: Frame) -> Reaction:
        """A newcomer's welcome: take the state we were added to, then apply what waited for it."""
        try:
            state = state_from_welcome(self.group.room, frame["body"])
        except ProtocolError as error:
            return self.problems(error)
        if self.group.state is not None:  # we saw the state we were added to ourselves (we came before the group)
            if self.group.previous is not None and state.hash == self.group.previous.hash:
                return Reaction()
            return Reaction((Problem("malformed", f"a welcome from {frame['from']}, but we are in the group already"),))
        early = self.group.early
        parents = [line.get("change", {}).get("parent") for line in early]
        if b64(state.hash) not in parents:  # what waited is kept for the true welcome
            text = f"the welcome from {frame['from']} is not the state any change we saw was made on: ignored"
            return Reaction((Problem("bad_change", text),))
        self.group.state, self.group.early = state, []
        later = early[parents.index(b64(state.hash)) :]
        reaction = Reaction(tuple[Event, ...](self._pin(state, list(state.names))))
        for line in later:
            reaction += (self.on_change if line["type"] == "change" else self.on_direct)(line, self.name)
        return reaction

    def _offer(self, peer: str, peer_key: bytes, body: dict[str, Any]) -> Reaction:
        return Reaction(sends=tuple(self._sessions().on_offer(self.group.room, peer, peer_key, body)))

    def _answer(self, peer: str, peer_key: bytes, body: dict[str, Any]) -> Reaction:
        sessions = self._sessions()
        try:
            return Reaction(sends=tuple(sessions.on_answer(self.group.room, peer, body)))
        except Refused as refusal:  # our exchange failed: what waits for it is sent over a fresh one
            return self.problems(refusal) + Reaction(sends=tuple(sessions.restart(self.group.room, peer, peer_key)))

    def _finish(self, peer: str, peer_key: bytes, body: dict[str, Any]) -> Reaction:
        self._sessions().on_finish(peer, body)
        return Reaction()

    def _envelope(self, peer: str, peer_key: bytes, body: dict[str, Any]) -> Reaction:
        item = self._sessions().open(self.group.room, peer, body)
        if item.get("kind") != "sender_key":
            return Reaction((Problem("malformed", f"an envelope from {peer} holds no sender key: ignored"),))
        self.keys.learn(peer, item)
        return Reaction(released=True)


DIRECT_STEPS: dict[str, Callable[[DirectLines, str, bytes, dict[str, Any]], Reaction]] = {
    "offer": DirectLines._offer,
    "answer": DirectLines._answer,
    "finish": DirectLines._finish,
    "envelope": DirectLines._envelope,
}
