"""What a ratchet-mode member does with a line for it alone: a welcome, a step of an exchange, an envelope.

The exchange (offer, answer, finish) and the envelopes are pairwise.py's; here each is checked against the signed
group state (whose keys the exchange is signed with) and what it leads to is reported: a new sender key lets the
messages held for it open. A newcomer has no state until its welcome: lines that come before it wait, and are then
taken in order; a welcome that overtakes its add is kept (a few) until the add comes. A welcome is taken only if
the newcomer can check nothing wrong with it (see _welcome_refusal); what it cannot check (a group of names it never
met) is a limit, in docs/security.md.
"""

from collections.abc import Callable
from typing import Any

from chatkit.client.events import Event, Problem
from chatkit.client.ratchet_group import state_from_welcome
from chatkit.client.ratchet_steps import Steps
from chatkit.client.reaction import Reaction
from chatkit.crypto import group_state
from chatkit.crypto.errors import BadChange
from chatkit.crypto.group_state import GroupState
from chatkit.protocol import Frame, ProtocolError, Refused, b64

MAX_EARLY_WELCOMES = 4  # welcomes kept until their add arrives (the network may reorder the two lines)


class DirectLines(Steps):
    """The ratchet codec's reactions to 'direct' lines (a part of RatchetCodec, on top of its group steps)."""

    early_welcomes: list[Frame]  # welcomes that came before the add they belong to (RatchetCodec sets it)

    def on_change(self, frame: Frame, name: str) -> Reaction:
        """Take a relayed group change; a welcome that came before it is tried again."""
        return super().on_change(frame, name) + self._retry_welcomes()

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
            return Reaction(
                (Problem("not_in_group", f"{article(kind)} {kind} line from {peer}, who is not in the group: ignored"),)
            )
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
        parents = self._early_parents()
        if b64(state.hash) not in parents:  # its add may still be on its way: kept, as what waited is
            return self._keep_welcome(frame)
        later = self._waited_for(parents.index(b64(state.hash)))
        refusal = self._welcome_refusal(state, later[0]["change"], frame["from"])
        if refusal is not None:  # what waited is kept for the true welcome
            return Reaction((refusal,))
        self.group.state, self.group.early, self.early_welcomes = state, [], []
        reaction = Reaction(tuple[Event, ...](self._pin(state, list(state.names))))
        for line in later:
            reaction += (self.on_change if line["type"] == "change" else self.on_direct)(line, self.name)
        return reaction

    def _early_parents(self) -> list[str | None]:
        """Return the parent of each line that waits for our welcome (None for a line that is not a change)."""
        return [line["change"].get("parent") if line["type"] == "change" else None for line in self.group.early]

    def _waited_for(self, at: int) -> list[Frame]:
        """Return the lines a welcome lets us take: its add, the direct lines that overtook the add, what came after."""
        early = self.group.early
        overtook = [line for line in early[:at] if line["type"] == "direct"]  # sent after the add, came before it
        return [early[at], *overtook, *early[at + 1 :]]

    def _keep_welcome(self, frame: Frame) -> Reaction:
        """Keep a welcome whose add has not arrived (a few at most: anyone can send one), and say so."""
        self.early_welcomes = [*self.early_welcomes, frame][-MAX_EARLY_WELCOMES:]
        text = f"the welcome from {frame['from']} is not the state any change we saw was made on: kept for now"
        return Reaction((Problem("bad_change", f"{text}, in case its change is still on its way"),))

    def _retry_welcomes(self) -> Reaction:
        """Take a kept welcome whose add has now arrived (one that still matches nothing stays kept, unsaid)."""
        reaction = Reaction()
        for frame in list(self.early_welcomes):
            if self.group.state is None and self._matches_a_change(frame):
                self.early_welcomes.remove(frame)
                reaction += self._welcomed(frame)
        return reaction

    def _matches_a_change(self, frame: Frame) -> bool:
        """Say whether a welcome's state is the parent of a change that waits for it."""
        try:
            state = state_from_welcome(self.group.room, frame["body"])
        except ProtocolError:
            return False
        return b64(state.hash) in self._early_parents()

    def _welcome_refusal(self, state: GroupState, change: dict[str, Any], sender: str) -> Problem | None:
        """Say why a welcome must not be taken, or return None: everything a newcomer can check of its state."""
        welcome, head = f"the welcome from {sender}", self.group.announced
        if head is not None and (head[0] > state.epoch or (head[0] == state.epoch and head[1] != b64(state.hash))):
            return Problem("bad_change", f"{welcome} is not the head the server announced at epoch {head[0]}: ignored")
        try:  # the add is signed by a member of the welcome's state, and its parent is that state's hash
            group_state.apply(state, change, self.group.room)
        except BadChange as error:
            return Problem("bad_change", f"{welcome} leads to a change that is refused ({error}): ignored")
        if change["kind"] != "add" or change["name"] != self.name:
            return Problem("bad_change", f"{welcome} is not the state we were added to: ignored")
        if change["pubkey"] != b64(self.public):
            text = f"the group added {self.name} with an identity key that is not yours: someone may pose as you"
            return Problem("key_changed", f"{text} ({welcome} ignored; ask {change['by']} to compare safety numbers)")
        return self._pin_refusal(state, welcome)

    def _pin_refusal(self, state: GroupState, welcome: str) -> Problem | None:
        """Refuse a welcome that gives a member we pinned another key (it may be the server's group, not theirs)."""
        pins = {name: (key, self.identities.pinned(name, self.name)) for name, key in state.members}
        changed = {name: key for name, (key, pin) in pins.items() if pin is not None and pin.public != key}
        changed.pop(self.name, None)
        if not changed:
            return None
        self.identities.offered.update(changed)  # the person may accept the new keys, then join again
        names = ", ".join(changed)
        return Problem("key_changed", f"{welcome} gives {names} another key than the one pinned: ignored (/accept)")

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


def article(word: str) -> str:
    """Return "an" before a vowel, "a" before anything else ("an answer", "a finish")."""
    return "an" if word[:1] in "aeiou" else "a"
