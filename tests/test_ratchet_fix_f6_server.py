"""F6 (most serious): one 'change' line from anyone in the room (a member, a former member, a newcomer not yet
added, or injected by the network) with parent = the head and any 'head' moves the server's head: every member
refuses the change, so from then on every real change is stale, and each member re-makes it at once, forever
(hundreds of lines a second). Nobody can be added, removed or healed again (S11, S15)."""

import time
from typing import cast

import pytest

from chatkit import protocol
from chatkit.crypto import group_state, signing
from chatkit.lab import Stage
from chatkit.lab.memory_parts import Seat
from chatkit.lab.relay import TO_SERVER
from chatkit.protocol import Refused, b64
from chatkit.server.member import Member
from chatkit.server.ratchet import RatchetRules


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


def test_limit_a_member_who_signs_a_junk_head_in_its_own_name_still_freezes_the_changes() -> None:
    alice = signing.new_identity()
    key = signing.public_bytes(alice)
    state, created = group_state.create(alice, "alice", "general")
    rules, seat = RatchetRules(), cast(Member, Seat("alice", "general"))  # the rules read only name, room and pubkey
    rules.order(seat, {"type": "change", "room": "general", "change": created, "head": b64(state.hash)})
    update = group_state.make_change(alice, "alice", state, "update", "alice", key)
    rules.order(seat, {"type": "change", "room": "general", "change": update, "head": b64(bytes(32))})  # junk head
    real = group_state.make_change(alice, "alice", group_state.apply(state, update, "general"), "update", "alice", key)
    with pytest.raises(Refused) as stale:  # made on the true state: the server's head is no state anyone holds
        rules.order(seat, {"type": "change", "room": "general", "change": real, "head": b64(bytes(32))})
    assert stale.value.code == "stale_change"
