"""F6 (most serious): one 'change' line from anyone in the room (a member, a former member, a newcomer not yet
added, or injected by the network) with parent = the head and any 'head' moves the server's head: every member
refuses the change, so from then on every real change is stale, and each member re-makes it at once, forever
(hundreds of lines a second). Nobody can be added, removed or healed again (S11, S15)."""

import time

from chatkit import protocol
from chatkit.crypto import group_state, signing
from chatkit.lab import Stage
from chatkit.lab.relay import TO_SERVER
from chatkit.protocol import b64


def test_a_change_that_no_member_accepts_does_not_freeze_the_group(stages: list[Stage]) -> None:
    stage = Stage("ratchet")
    stages.append(stage)
    relay = stage.relay()
    alice, bob = stage.client("alice", via=relay), stage.client("bob")
    bob.wait_for_group({"alice", "bob"})
    state = alice.group
    assert state is not None
    junk = group_state.make_change(signing.new_identity(), "eve", state, "remove", "bob", state.key_of("bob") or b"")
    frame = {"type": "change", "room": "general", "change": junk, "head": b64(bytes(32))}
    relay.inject(relay.lines(TO_SERVER)[0].connection, TO_SERVER, protocol.encode(frame))
    time.sleep(0.3)
    before = len(relay.lines(TO_SERVER, '"type": "change"'))
    carol = stage.client("carol")  # before the fix: ChatError, carol was never added
    time.sleep(1)
    assert len(relay.lines(TO_SERVER, '"type": "change"')) - before < 10  # before the fix: hundreds
    assert carol.group and alice.group and alice.group.names == ("alice", "bob", "carol")
