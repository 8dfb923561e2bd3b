"""What a ratchet-mode member does after each group change and knock, or to remove and update (docs/ratchet-mode.md).

- after an add: every member hands its sender chain to the newcomer (who reads nothing older: the chain only runs
  forward), and the adder sends the newcomer the state it was added to; the newcomer makes its sender key and
  hands it to every member;
- after a removal: every remaining member makes a new sender key and hands it to the remaining members only;
- after an update by X (healing): the sessions with X are dropped (X drops all of its own), every member makes a
  new sender key and hands it out, which runs fresh exchanges with X: a thief who copied X's memory and only
  watches learns none of the new keys.
"""

from typing import Any

from chatkit.client.events import Event, GroupChanged, Problem
from chatkit.client.identities import Identities
from chatkit.client.pairwise import Pairwise, direct
from chatkit.client.ratchet_group import MAX_RETRIES, Group, welcome_body
from chatkit.client.reaction import Reaction
from chatkit.client.sender_keys import SenderKeys
from chatkit.crypto import signing
from chatkit.crypto.errors import BadChange
from chatkit.crypto.group_state import GroupState
from chatkit.protocol import ChatError, Frame, ProtocolError, Refused, b64, unb64


class Steps:
    """The ratchet codec's reactions to the lines only its mode has (a part of RatchetCodec)."""

    name: str
    group: Group
    keys: SenderKeys
    pairwise: Pairwise | None
    identities: Identities
    pq: bool
    signed: bool

    @property
    def public(self) -> bytes:
        """Our identity key's public half, as the group state holds it."""
        return signing.public_bytes(self.identities.own(self.name))

    def problems(self, refusal: Refused | ProtocolError) -> Reaction:
        """Report a refused line as a Problem (nothing is lost: the rest of the state is unchanged)."""
        code = refusal.code if isinstance(refusal, Refused) else "malformed"
        return Reaction((Problem(code, str(refusal)),))

    # --- what a person does ---

    def remove(self, name: str) -> Reaction:
        """Propose removing a member (ChatError if they are not in the group)."""
        key = self._member_state("remove someone").key_of(name)
        if key is None:
            raise ChatError(f"{name} is not in the group: nobody to remove")
        self.group.propose("remove", name, key)
        return self._next()

    def add_back(self, name: str) -> Reaction:
        """Propose adding back a member others removed, on purpose (ChatError if nobody of that name was removed).

        They come back with the identity key they were removed with; a knock never does this on its own (S15).
        """
        if self._member_state("add someone back").is_member(name):
            raise ChatError(f"{name} is in the group already: nobody to add back")
        keys = [key for removed, key in self.group.removed if removed == name]
        if not keys:
            raise ChatError(
                f"{name} was not removed from this group: nobody to add back (newcomers are added on arrival)"
            )
        self.group.propose("add", name, keys[0])
        return self._next()

    def update(self) -> Reaction:
        """Propose a key update of our own (healing): every sender key and our sessions are then replaced."""
        self._member_state("update the group's keys")
        self.group.propose("update", self.name, self.public)
        return self._next()

    # --- lines from the server ---

    def on_change(self, frame: Frame, name: str) -> Reaction:
        """Apply a relayed group change, then take the steps it calls for."""
        change, before = frame["change"], self.group.state
        if before is None and change.get("kind") != "create":
            self.group.wait(frame)  # a newcomer: its welcome says which state this applies to
            return Reaction()
        mine = self.group.settle(change)
        try:
            after = self.group.apply(change)
        except BadChange as error:
            return Reaction((self._change_problem(frame, error),)) + self._next()
        return self._after(change, before, after, mine) + self._next()

    def on_refused(self, code: str) -> Reaction:
        """The server refused our change as stale: make it again on the state that won (a few times at most)."""
        if code != "stale_change":
            return Reaction()
        given_up = self.group.refused()
        if given_up is None:
            return self._next()
        kind, subject, _ = given_up
        text = f"our {kind} of {subject} was refused as stale {MAX_RETRIES + 1} times: gave up"
        return Reaction((Problem("stale_change", f"{text} (the server's head is not our group's)"),)) + self._next()

    def on_knock(self, frame: Frame, name: str) -> Reaction:
        """Add a newcomer if we are the first member of the signed list who is present (a returning one anew).

        A member others removed is not added back on a knock, and our last change is sent again if still outstanding.
        """
        state = self.group.state
        if state is None or not state.is_member(name):
            return Reaction()
        lost = self.group.resend()  # our change's line may have been lost (if not, the server refuses it as stale)
        again = Reaction() if lost is None else Reaction(sends=(lost,))
        return again + self._admit(frame, name, state) + self._next()

    def _admit(self, frame: Frame, name: str, state: GroupState) -> Reaction:
        """Queue the changes that let a knocking newcomer in, or say why it is not let in."""
        newcomer = frame["name"]
        present = [member for member in state.names if member in frame["present"] and member != newcomer]
        if not present or present[0] != name:
            return Reaction()
        key, pin = unb64(frame, "pubkey"), self.identities.pinned(newcomer, name)
        if pin is not None and pin.public != key:  # never added on the server's word alone: the pin decides
            self.identities.offered[newcomer] = key
            text = f"{newcomer} knocks with another identity key than the one pinned for them: not added"
            return Reaction((Problem("key_changed", f"{text} (compare safety numbers; /accept {newcomer})"),))
        if (newcomer, key) in self.group.removed:  # a removal stands until a member adds them on purpose
            return Reaction((Problem("removed", f"{newcomer} was removed from the group and knocks again: not added"),))
        old_key = state.key_of(newcomer)
        if old_key is not None:  # they came back with new memory: out, then in again, with fresh keys
            self.group.propose("remove", newcomer, old_key)
        self.group.propose("add", newcomer, key)
        return Reaction()

    # --- the steps ---

    def _after(self, change: dict[str, Any], before: GroupState | None, after: GroupState, mine: bool) -> Reaction:
        """Take the steps a change calls for, and report the group's new member list."""
        kind, subject, me = change["kind"], change["name"], self.name
        events: tuple[Event, ...] = (
            GroupChanged(self.group.room, after.epoch, after.names),
            *self._pin(after, [subject]),
        )
        if not after.is_member(me):
            return Reaction(events + self._left(change))
        sends: list[Frame] = []
        if kind == "add" and subject != me:
            welcome = [direct(self.group.room, subject, "welcome", welcome_body(before))] if mine and before else []
            sends = welcome + self._hand_out([subject])
        elif kind == "remove":
            self.keys.forget(subject)
            self._sessions().forget(subject)
        elif kind == "update":
            for peer in after.names if subject == me else [subject]:
                self._sessions().forget(peer)
        if kind != "add" or subject == me:
            sends = self._rejoined() if kind == "add" else self._renew()
        return Reaction(events, tuple(sends))

    def _left(self, change: dict[str, Any]) -> tuple[Problem, ...]:
        """Forget every key once we are out of the group; say so if a change just removed us."""
        if change["kind"] != "remove" or change["name"] != self.name:
            return ()
        self.keys = SenderKeys()
        self.pairwise = None
        return (Problem("not_in_group", f"{change['by']} removed you from the group: you read nothing from now on"),)

    def _rejoined(self) -> list[Frame]:
        """Make fresh sessions if a removal made us forget ours (we were added again), then a new sender key."""
        if self.pairwise is None:
            self.pairwise = Pairwise(self.identities.own(self.name), self.name, self.pq, self.signed)
        return self._renew()

    def _renew(self) -> list[Frame]:
        """Make a new sender key (a new generation) and hand it to every other member."""
        self.keys.renew()
        state = self.group.state
        return [] if state is None else self._hand_out([name for name in state.names if name != self.name])

    def _hand_out(self, names: list[str]) -> list[Frame]:
        """Send our sender chain's position to members, each in an envelope of our session with them."""
        state = self.group.state
        if state is None or self.keys.chain is None:
            return []
        share = self.keys.share(state.epoch)
        return [
            frame for name in names for frame in self._sessions().send(self.group.room, name, self._key(name), share)
        ]

    def _pin(self, state: GroupState, names: list[str]) -> tuple[Problem, ...]:
        """Pin the group's keys for members met for the first time; flag a key that is not the one pinned."""
        problems: list[Problem] = []
        for name in names:
            key = state.key_of(name)
            pin = self.identities.pinned(name, self.name)
            if key is None or name == self.name:
                continue
            if pin is None:
                problems += self.identities.remember(name, key, self.name)
            elif pin.public != key:
                self.identities.offered[name] = key
                problems.append(
                    Problem("key_changed", f"{name}'s key in the group is not the one pinned: /accept {name}")
                )
        return tuple(problems)

    def _change_problem(self, frame: Frame, error: BadChange) -> Problem:
        """Say why a change was refused: a fork if it was made on another state at our epoch."""
        state, change = self.group.state, frame["change"]
        if state is not None and change.get("epoch") == state.epoch + 1 and change.get("parent") != b64(state.hash):
            text = f"fork: {frame['sender']}'s change was made on another group state than ours at epoch {state.epoch}"
            return Problem("fork", f"{text} (ours has {', '.join(state.names)}): the server may be forking the group")
        return Problem("bad_change", str(error))

    def _next(self) -> Reaction:
        """Send our next queued change, if it is our turn."""
        change = self.group.next_change(self.identities.own(self.name), self.name)
        return Reaction() if change is None else Reaction(sends=(change,))

    def _member_state(self, doing: str) -> GroupState:
        """Return the group state if we are in it; else raise ChatError: only a member signs a change others take."""
        state = self.group.state
        if state is None or not state.is_member(self.name):
            raise ChatError(f"you are not in the group of {self.group.room}: only a member can {doing}")
        return state

    def _sessions(self) -> Pairwise:
        if self.pairwise is None:
            raise ChatError("no pairwise sessions before joining a room")
        return self.pairwise

    def _key(self, name: str) -> bytes:
        key = None if self.group.state is None else self.group.state.key_of(name)
        if key is None:
            raise ChatError(f"{name} is not in the group")
        return key
