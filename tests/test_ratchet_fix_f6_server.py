"""F6 (most serious): one 'change' line from anyone in the room (a member, a former member, a newcomer not yet
added, or injected by the network) with parent = the head and any 'head' moves the server's head: every member
refuses the change, so from then on every real change is stale, and each member re-makes it at once, forever
(hundreds of lines a second). Nobody can be added, removed or healed again (S11, S15)."""

import time
from typing import cast

import pytest

from chatkit.crypto import group_state, signing
from chatkit.lab import Stage
from chatkit.lab.memory_parts import Seat
from chatkit.protocol import Refused, b64
from chatkit.server.member import Member
from chatkit.server.ratchet import RatchetRules
from tests.junk_change import inject_junk_change


def test_a_change_that_no_member_accepts_does_not_freeze_the_group(stages: list[Stage]) -> None:
    scene = inject_junk_change(stages, by="eve")  # in the name of someone who is not the connection's member
    carol = scene.stage.client("carol")  # before the fix: ChatError, carol was never added
    time.sleep(1)
    assert scene.changes_since() < 10  # before the fix: hundreds
    alice = scene.alice
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
