"""Attack first: a malicious server shows two members different groups; both notice (S15, a fork).

The server below orders nothing (it accepts every change) and shows each member's change only to some: alice sees
her removal of carol, bob sees his own key update instead. Both are at epoch 3, in different group states.
"""

from chatkit.lab import Stage
from chatkit.lab.hostile import malicious
from chatkit.protocol import Frame
from chatkit.server.member import Member
from chatkit.server.ratchet import RatchetRules
from tests.conftest import eventually


class ForkingRules(RatchetRules):
    """A server that accepts every change, whatever state it was made on."""

    def _check_place(self, room: str, epoch: int, parent: str) -> None:
        """Check nothing: a fork needs two changes on the same parent."""


def only_for_its_sender(frame: Frame, member: Member) -> Frame | None:
    """Show each group change only to the member who made it."""
    if frame["type"] == "change" and frame["sender"] != member.name:
        return None
    return frame


def test_members_shown_different_groups_detect_the_fork(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    alice, bob, carol = (stage.client(name) for name in ("alice", "bob", "carol"))
    for member in (alice, bob, carol):
        member.wait_for_group({"alice", "bob", "carol"})
    stage.server.rules = ForkingRules()
    with malicious(stage, only_for_its_sender):
        alice.remove("carol")
        alice.wait_for_group({"alice", "bob"})
        bob.update()
        bob.wait_for_group({"alice", "bob", "carol"}, epoch=3)
        assert alice.group and bob.group and alice.group.epoch == bob.group.epoch == 3
        assert alice.group.hash != bob.group.hash
        alice.send("which group am I in?")
        bob.send("and I?")
        fork_at_bob = bob.wait_for_problem("fork")
        fork_at_alice = alice.wait_for_problem("fork")
    assert "epoch 3" in fork_at_bob.text and "alice" in fork_at_bob.text and "carol" in fork_at_bob.text
    assert "epoch 3" in fork_at_alice.text and "bob" in fork_at_alice.text
    assert not any(m.text == "which group am I in?" for m in bob.messages())
    assert eventually(lambda: not any(m.text == "and I?" for m in alice.messages()), 0.5)
