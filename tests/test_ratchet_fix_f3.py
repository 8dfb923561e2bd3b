"""F3: when a room empties and the same member creates its group again, the states (and the deterministic Ed25519
create) are bit for bit the same: every old signed change and message is valid in the new group."""

import pytest

from chatkit.client.sender_keys import SenderKeys
from chatkit.crypto import group_state, signing
from chatkit.crypto.errors import BadChange, CannotDecrypt
from chatkit.protocol import b64


def test_an_old_add_does_not_apply_to_a_group_made_again() -> None:
    alice, mallory = signing.new_identity(), signing.new_identity()
    first, _ = group_state.create(alice, "alice", "lab")
    old_add = group_state.make_change(alice, "alice", first, "add", "mallory", signing.public_bytes(mallory))
    again, _ = group_state.create(alice, "alice", "lab")  # the room emptied; alice makes the group anew
    assert again.hash != first.hash  # it was equal (deterministic Ed25519, no group id)
    with pytest.raises(BadChange):
        group_state.apply(again, old_add, "lab")  # mallory was in, by a change alice never made for it


def test_an_old_message_does_not_burn_a_key_of_the_new_chain() -> None:
    alice = signing.new_identity()
    state, _ = group_state.create(alice, "alice", "lab")
    header = {"room": "lab", "sender": "alice", "epoch": 0, "group": b64(state.hash)}
    old, new, bob = SenderKeys(), SenderKeys(), SenderKeys()
    old.renew()
    new.renew()
    yesterday = old.seal(alice, dict(header), "yesterday")
    bob.learn("alice", new.share(0))
    today = new.seal(alice, dict(header), "today")
    with pytest.raises(CannotDecrypt):  # another chain's key: it does not open, and burns nothing
        bob.open({**yesterday, "sender": "alice"}, signing.public_bytes(alice))
    assert bob.open({**today, "sender": "alice"}, signing.public_bytes(alice)) == "today"  # it was Refused('replay')
