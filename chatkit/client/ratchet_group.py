"""The room's group as one member knows it (ratchet mode): the signed state, and its own changes, one at a time.

Every change is signed by a member and made on a state (chatkit/crypto/group_state.py); the server orders them
(chatkit/server/ratchet.py). A member proposes one change at a time and applies its own only when the server
relays it back, like everyone else's: so all members apply the same changes in the same order. A change the server
refused as stale is made again on the state that won, if it still makes sense. A newcomer has no state until the
member who added it sends the state it was added to (a welcome, as MLS's): the changes that arrive before it wait.
"""

from dataclasses import dataclass, field
from typing import Any

from chatkit.crypto import group_state, signing
from chatkit.crypto.errors import BadChange
from chatkit.crypto.fields import number_field, raw_field
from chatkit.crypto.group_state import GroupState
from chatkit.protocol import Frame, ProtocolError, b64

MAX_EARLY = 100  # changes and lines kept while a newcomer waits for its welcome
MAX_RETRIES = 3  # a change refused as stale more often than this: the server's head is not our group's
Intent = tuple[str, str, bytes]  # (kind, subject's name, subject's key): a change to make when it is our turn


def welcome_body(state: GroupState) -> dict[str, Any]:
    """Return the state a newcomer was added to, as the adder sends it."""
    members = [[name, b64(key)] for name, key in state.members]
    return {"epoch": state.epoch, "members": members, "parent": b64(state.parent)}


def announced_head(joined: Frame) -> tuple[int, str] | None:
    """Return the head (epoch, hash) the server announced when we joined, or None if it named none we can read."""
    head = joined.get("head")
    if not isinstance(head, dict) or not isinstance(head.get("epoch"), int) or not isinstance(head.get("hash"), str):
        return None
    return head["epoch"], head["hash"]


def state_from_welcome(room: str, body: dict[str, Any]) -> GroupState:
    """Rebuild the state a welcome describes; raise ProtocolError for a malformed one."""
    members = body.get("members")
    if not isinstance(members, list) or not all(isinstance(m, list) and len(m) == 2 for m in members):
        raise ProtocolError("a welcome's 'members' should be a list of [name, key] pairs")
    pairs = tuple((str(name), raw_field({"key": key}, "key", "welcome", ProtocolError, 32)) for name, key in members)
    epoch = number_field(body, "epoch", "welcome", ProtocolError)
    return GroupState(room, epoch, pairs, raw_field(body, "parent", "welcome", ProtocolError, 32))


@dataclass
class Group:
    """One room's group: its state, the one before (for late messages), and the changes this member waits to make."""

    room: str
    state: GroupState | None = None
    previous: GroupState | None = None
    pending: list[Intent] = field(default_factory=list)
    outstanding: tuple[Intent, dict[str, Any]] | None = None  # a change sent, not yet relayed back
    early: list[Frame] = field(default_factory=list)  # changes a newcomer got before its welcome
    announced: tuple[int, str] | None = None  # the head (epoch, hash) the server named when we joined
    retries: int = 0  # how often in a row the server refused our change as stale
    removed: set[tuple[str, bytes]] = field(default_factory=set)  # (name, key) removed and not added since

    def propose(self, kind: str, name: str, pubkey: bytes) -> None:
        """Queue a change to make (a create, add, remove or update)."""
        self.pending.append((kind, name, pubkey))

    def next_change(self, identity: signing.Identity, me: str) -> Frame | None:
        """Return the next queued change that still makes sense, made on the current state, or None."""
        while self.outstanding is None and self.pending:
            intent = self.pending.pop(0)
            change = self._make(identity, me, intent)
            if change is not None:
                new = group_state.apply(self.state, change, self.room)
                self.outstanding = intent, change
                return {"type": "change", "room": self.room, "change": change, "head": b64(new.hash)}
        return None

    def _make(self, identity: signing.Identity, me: str, intent: Intent) -> dict[str, Any] | None:
        """Sign the change an intent asks for, or return None if the state makes it pointless now."""
        kind, name, pubkey = intent
        if kind == "create":
            return None if self.state is not None else group_state.create(identity, me, self.room)[1]
        if self.state is None or not self.state.is_member(me) or self.state.is_member(name) == (kind == "add"):
            return None
        return group_state.make_change(identity, me, self.state, kind, name, pubkey)

    def settle(self, change: dict[str, Any]) -> bool:
        """Return True if a relayed change is the one this member sent (it may now send the next)."""
        if self.outstanding is None or self.outstanding[1].get("signature") != change.get("signature"):
            return False
        self.outstanding, self.retries = None, 0
        return True

    def resend(self) -> Frame | None:
        """Return our change again if it is still outstanding (its line may have been lost), else None."""
        if self.outstanding is None:
            return None
        (intent, change), self.outstanding = self.outstanding, None
        try:
            new = group_state.apply(self.state, change, self.room)
        except BadChange:  # the group moved on without it: make it again on the state that won
            self.pending.insert(0, intent)
            return None
        self.outstanding = intent, change
        return {"type": "change", "room": self.room, "change": change, "head": b64(new.hash)}

    def refused(self) -> Intent | None:
        """The server refused our change as stale: queue it again, or return it if we give up on it."""
        if self.outstanding is None:
            return None
        intent, self.outstanding = self.outstanding[0], None
        self.retries += 1
        if self.retries > MAX_RETRIES:  # made again on our state each time: the server's head is not it
            self.retries = 0
            return intent
        self.pending.insert(0, intent)
        return None

    def apply(self, change: dict[str, Any]) -> GroupState:
        """Apply a relayed change (BadChange if it is not signed by a member or not made on our state)."""
        new = group_state.apply(self.state, change, self.room)
        self._track_removals(change, self.state, new)
        self.previous, self.state = self.state, new
        return new

    def _track_removals(self, change: dict[str, Any], before: GroupState | None, after: GroupState) -> None:
        """Remember who others removed (and nobody added since): a knock alone never brings them back (S15)."""
        name = change["name"]
        if change["kind"] == "remove" and change["by"] != name and before is not None:
            self.removed.add((name, before.key_of(name) or b""))
        elif change["kind"] == "add":
            self.removed.discard((name, after.key_of(name) or b""))

    def wait(self, frame: Frame) -> None:
        """Keep a line that came before our welcome (bounded)."""
        self.early = [*self.early, frame][-MAX_EARLY:]
