"""A ratchet server that forks its room's group: it shows one side of the room changes the other never sees.

    stage = forking_stage()                        # a ratchet server that is honest until told otherwise
    ...                                            # alice, bob, carol and dave make the group as usual
    side_of = {"alice": "A", "bob": "A", "carol": "B", "dave": "B"}
    with forked(stage, side_of):                   # notebook 12, "A server that forks the group"
        alice.remove("carol")                      # only alice and bob see it
        dave.update()                              # made on the old state: only carol and dave see it

An honest server refuses the second change as stale (chatkit/server/ratchet.py); this one accepts every change and
relays each only to its maker's side, so the two sides hold different group states at the same epoch. It cannot
forge a change (each is signed by a member), and every message names the hash of the state it was sent in: a
member who gets a message from the other side sees the fork (docs/ratchet-mode.md, S15).
"""

import contextlib
from collections.abc import Iterator, Mapping

from chatkit.lab.hostile import Decide, malicious
from chatkit.lab.stage import Stage
from chatkit.protocol import Frame
from chatkit.server.member import Member
from chatkit.server.ratchet import RatchetRules


class ForkingRules(RatchetRules):
    """The ratchet rules, less one check while `forking`: a change made on any state is accepted as the head."""

    forking = False

    def _check_place(self, room: str, epoch: int, parent: str) -> None:
        """Accept every change while forking, stale or not; else refuse a stale one as the honest rules do."""
        if not self.forking:
            super()._check_place(room, epoch, parent)


def forking_stage() -> Stage:
    """Start a ratchet stage whose server can fork its groups (it is honest until `forked` says otherwise)."""
    stage = Stage("ratchet")
    stage.server.rules = ForkingRules()
    return stage


def one_side_only(side_of: Mapping[str, str]) -> Decide:
    """Return a decision that relays each group change only to the members on its maker's side."""

    def decide(frame: Frame, member: Member) -> Frame | None:
        if frame["type"] == "change" and side_of.get(frame["sender"]) != side_of.get(member.name):
            return None
        return frame

    return decide


@contextlib.contextmanager
def forked(stage: Stage, side_of: Mapping[str, str]) -> Iterator[ForkingRules]:
    """Make a forking stage's server accept every change and show each side only its own, until the block ends."""
    rules = stage.server.rules
    if not isinstance(rules, ForkingRules):
        raise ValueError(f"this stage's server cannot fork (its rules are {type(rules).__name__}): use forking_stage()")
    rules.forking = True
    try:
        with malicious(stage, one_side_only(side_of)):
            yield rules
    finally:
        rules.forking = False
