"""F4: a server that withholds a removal from one remaining member lets the removed member (who kept its memory)
read everything that member sends (prevention is impossible while the server withholds: a limit of S15), but the
others now say so: a message from the epoch before theirs is flagged."""

import time

from chatkit.lab import Stage
from chatkit.lab.hostile import malicious
from chatkit.protocol import Frame
from chatkit.server.member import Member


def test_a_member_who_never_saw_a_removal_is_flagged(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    alice, bob = stage.client("alice"), stage.client("bob")
    stage.client("carol")
    alice.wait_for_group({"alice", "bob", "carol"})

    def withhold_changes_from_bob(frame: Frame, member: Member) -> Frame | None:
        return None if member.name == "bob" and frame["type"] == "change" else frame

    with malicious(stage, withhold_changes_from_bob):
        alice.remove("carol")
        alice.wait_for_group({"alice", "bob"})
        time.sleep(0.5)
        for n in range(3):
            bob.send(f"bob secret {n}")
        alice.wait_for_message("bob secret 2")
        time.sleep(0.3)
    warning = alice.wait_for_problem("fork", timeout=1)
    assert "bob" in warning.text and "carol, removed since, may still read it" in warning.text
