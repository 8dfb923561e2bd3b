"""What a person does with the group in the ratchet mode: remove a member (or add one back), update keys, look at it.

alice.wait_for_group({"alice", "bob", "carol"})   # the GroupChanged once the signed list is exactly these
alice.remove("carol")                             # a signed removal: everyone then replaces their sender key
alice.add_back("carol")                           # on purpose: a removed member never comes back on a knock alone
alice.update()                                    # healing: fresh exchanges and fresh sender keys
alice.group                                       # the signed GroupState (room, epoch, members, parent)
"""

import threading
from collections.abc import Callable, Iterable
from typing import Any

from chatkit.client.events import Event, GroupChanged
from chatkit.client.inbox import Inbox
from chatkit.client.ratchet_codec import RatchetCodec
from chatkit.client.reaction import Reaction
from chatkit.client.session import ClientSession
from chatkit.client.waits import WAIT_SECONDS
from chatkit.crypto.group_state import GroupState
from chatkit.protocol import ChatError, Frame


class GroupCalls:
    """The group calls of a client (a part of ChatClient): it has a session, a lock, an inbox and a way to send."""

    name: str
    session: ClientSession
    inbox: Inbox
    _lock: threading.Lock
    _send: Callable[[Frame], None]
    _report: Callable[[Event], None]

    @property
    def group(self) -> GroupState | None:
        """The room's signed group state as this member knows it (None before it is in a group)."""
        return self._ratchet().group.state

    def remove(self, name: str) -> None:
        """Remove a member from the group (a signed change; the server only orders it)."""
        self._carry_out(lambda codec: codec.remove(name))

    def add_back(self, name: str) -> None:
        """Add back a member someone removed (a signed add, which the server only orders); they read nothing older."""
        self._carry_out(lambda codec: codec.add_back(name))

    def update(self) -> None:
        """Update our keys (healing): fresh pairwise exchanges and fresh sender keys for everyone."""
        self._carry_out(lambda codec: codec.update())

    def snapshot(self) -> dict[str, Any]:
        """Return every secret this member holds right now, as a thief who copied its memory would (notebook 11)."""
        with self._lock:
            return self._ratchet().snapshot()

    def wait_for_group(
        self,
        members: Iterable[str] | None = None,
        *,
        epoch: int | None = None,
        including: str | None = None,
        timeout: float = WAIT_SECONDS,
    ) -> GroupChanged:
        """Return this room's group change, now or to come, that leaves exactly `members` (this epoch, `including`)."""
        wanted, room = None if members is None else set(members), self.session.room
        state = self.group
        since = -1 if state is None else state.epoch  # an older change is not the group as it is now

        def matches(event: Event) -> bool:
            return (
                isinstance(event, GroupChanged)
                and event.room == room
                and event.epoch >= since
                and (wanted is None or set(event.members) == wanted)
                and (epoch is None or event.epoch == epoch)
                and (including is None or including in event.members)
            )

        found = self.inbox.wait_for(matches, timeout)
        if not isinstance(found, GroupChanged):
            raise ChatError(f"{self.name}: the group did not become {sorted(wanted or [])} within {timeout} s")
        return found

    def _ratchet(self) -> RatchetCodec:
        codec = self.session.codec
        if not isinstance(codec, RatchetCodec):
            raise ChatError(f"the {codec.mode} mode has no group: groups are a ratchet-mode idea")
        return codec

    def _carry_out(self, act: Callable[[RatchetCodec], Reaction]) -> None:
        """Let the codec act, then send what it says and report what happened."""
        with self._lock:
            outcome = self.session.ratchet_outcome(act(self._ratchet()))
        for frame in outcome.replies:
            self._send(frame)
        for event in outcome.events:
            self._report(event)
