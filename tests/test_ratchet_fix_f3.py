"""F3: when a room empties and the same member creates its group again, the states (and the deterministic Ed25519
create) are bit for bit the same: every old signed change and message is valid in the new group."""

import pytest

from chatkit.client.pairwise import Pairwise
from chatkit.client.sender_keys import SenderKeys
from chatkit.crypto import group_state, signing
from chatkit.crypto.errors import BadChange, CannotDecrypt
from chatkit.protocol import Refused, b64


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


def test_an_envelope_that_does_not_open_burns_no_key_of_the_session() -> None:
    alice, bob = Pairwise(signing.new_identity(), "alice"), Pairwise(signing.new_identity(), "bob")
    alice_key, bob_key = signing.public_bytes(alice.identity), signing.public_bytes(bob.identity)
    [offer] = alice.send("lab", "bob", bob_key, {"kind": "sender_key"})
    [answer] = bob.on_offer("lab", "alice", alice_key, offer["body"])
    finish, envelope = alice.on_answer("lab", "bob", answer["body"])
    bob.on_finish("alice", finish["body"])
    forged = {**envelope["body"], "ciphertext": b64(bytes(48))}  # the same session and index, not sealed by alice
    with pytest.raises(Refused):
        bob.open("lab", "alice", forged)
    assert bob.open("lab", "alice", envelope["body"]) == {"kind": "sender_key"}
