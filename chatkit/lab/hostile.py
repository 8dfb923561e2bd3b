"""A running server turned malicious for a while: it decides, line by line and member by member, who gets what.

    def drop_for_bob(frame, member):                  # return the frame (changed or not) or None to drop it
        return None if member.name == "bob" and frame["type"] == "message" else frame

    with malicious(stage, drop_for_bob):            # notebook 09, "What a malicious server can still do"
        alice.send("bob never reads this")

The server still holds no key: what it controls is delivery, the member list and its notices (docs/security.md,
the sealed mode's limits). The honest delivery does the sending and is put back when the block ends.
"""

import contextlib
from collections.abc import Callable, Collection, Iterator

from chatkit import protocol
from chatkit.lab.stage import Stage
from chatkit.protocol import Frame
from chatkit.server.delivery import Delivery
from chatkit.server.member import Member

Decide = Callable[[Frame, Member], Frame | None]


class TwoFacedDelivery:
    """A delivery that asks `decide` what each member gets of each line, then hands that to the honest delivery."""

    def __init__(self, honest: Delivery, decide: Decide) -> None:
        self.honest = honest
        self.decide = decide

    def post(self, line: bytes, recipients: Collection[Member]) -> None:
        """Pass each member what `decide` returns for them, or nothing."""
        for member in recipients:
            passed = self.decide(protocol.decode(line), member)
            if passed is not None:
                self.honest.post(protocol.encode(passed), (member,))

    def wake(self) -> None:
        """Let the honest delivery send what was passed on."""
        self.honest.wake()

    def finish(self, member: Member) -> None:
        """Let the honest delivery close a member who is leaving."""
        self.honest.finish(member)

    def stalled(self, now: float) -> list[Member]:
        """Report the honest delivery's stalled members."""
        return self.honest.stalled(now)

    def run(self) -> None:
        """Never called: the honest delivery's own thread keeps running."""
        self.honest.run()

    def stop(self) -> None:
        """Stop the honest delivery."""
        self.honest.stop()


@contextlib.contextmanager
def malicious(stage: Stage, decide: Decide) -> Iterator[TwoFacedDelivery]:
    """Make the stage's running server pass every line it sends through `decide` until the block ends."""
    hub = stage.server.hub
    honest = hub.delivery
    two_faced = TwoFacedDelivery(honest, decide)
    hub.delivery = two_faced
    try:
        yield two_faced
    finally:
        hub.delivery = honest


def release(stage: Stage, held: list[tuple[Frame, Member]]) -> None:
    """Deliver lines a malicious server held back, now, each to the member it was meant for."""
    for frame, member in held:
        stage.server.delivery.post(protocol.encode(frame), (member,))
    stage.server.delivery.wake()
