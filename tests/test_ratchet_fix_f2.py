"""F2: one knock for a present member (forged by the server, or an honest one replayed by the network) makes the
first member remove and re-add them; the re-added client has no pairwise sessions left (pairwise=None), and is cut
off both ways, for good (S11)."""

from chatkit.lab import Stage
from chatkit.lab.relay import TO_CLIENT


def test_a_replayed_knock_leaves_the_member_reading_and_read(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice = stage.client("alice", via=relay)
    bob = stage.client("bob")
    knock = relay.lines(TO_CLIENT, '"type": "knock"')[0]
    relay.inject(knock.connection, TO_CLIENT, knock.line)  # the network replays the knock bob's arrival caused
    alice.wait_for_group({"alice", "bob"}, epoch=3)  # alice removed bob (2) and added him again (3)
    alice.send("can bob read this")
    bob.send("can alice read this")
    assert bob.wait_for_message("can bob read this")
    assert alice.wait_for_message("can alice read this")
