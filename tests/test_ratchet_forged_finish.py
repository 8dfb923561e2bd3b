"""Attack first: lines forged by whoever can send `direct` lines (the server, or the network without TLS).

Offers and finishes name a session id the server saw go by. A forged finish must not cancel the exchange it names
(the genuine finish after it still completes it), a forged offer must not replace an exchange under way, and forged
offers must not pile up exchanges without end.
"""

import pytest

from chatkit.client.pairwise import MAX_ANSWERING, Pairwise
from chatkit.crypto import hybrid, signing
from chatkit.crypto.errors import HandshakeFailed
from chatkit.protocol import Refused, b64

ROOM = "lab"


def forged_finish(session: str) -> dict[str, str]:
    """A finish for a session the forger saw, signed and confirmed with nothing it could compute."""
    return {"session": session, "signature": b64(bytes(64)), "confirmation": b64(bytes(32))}


@pytest.fixture
def alice_and_bob() -> tuple[Pairwise, Pairwise]:
    return Pairwise(signing.new_identity(), "alice"), Pairwise(signing.new_identity(), "bob")


def public(member: Pairwise) -> bytes:
    return signing.public_bytes(member.identity)


def offer_to_bob(alice: Pairwise, bob: Pairwise) -> dict[str, object]:
    """Alice starts an exchange with bob (she has a sender key for him); return her offer's body."""
    [offer] = alice.send(ROOM, "bob", public(bob), {"kind": "sender_key"})
    return dict(offer["body"])


def test_a_forged_finish_leaves_the_responder_waiting_for_the_genuine_one() -> None:
    alice_id, bob_id = signing.new_identity(), signing.new_identity()
    alice = hybrid.Initiator(alice_id, "alice", "bob", signing.public_bytes(bob_id))
    bob = hybrid.Responder(bob_id, "bob", "alice", signing.public_bytes(alice_id))
    answer = bob.on_offer(alice.offer())
    with pytest.raises(HandshakeFailed, match="signature does not match alice's identity key"):
        bob.on_finish(forged_finish(answer["session"]))
    finish, alice_key = alice.on_answer(answer)
    assert bob.on_finish(finish) == alice_key
    with pytest.raises(HandshakeFailed, match="out of order"):  # a genuine finish still completes it only once
        bob.on_finish(finish)


def test_a_forged_finish_does_not_cancel_the_exchange_it_names(alice_and_bob: tuple[Pairwise, Pairwise]) -> None:
    alice, bob = alice_and_bob
    offer = offer_to_bob(alice, bob)
    [answer] = bob.on_offer(ROOM, "alice", public(alice), offer)
    with pytest.raises(Refused, match="signature does not match"):
        bob.on_finish("alice", forged_finish(answer["body"]["session"]))
    finish, envelope = alice.on_answer(ROOM, "bob", answer["body"])
    bob.on_finish("alice", finish["body"])
    assert bob.open(ROOM, "alice", envelope["body"]) == {"kind": "sender_key"}


def test_a_forged_offer_for_a_session_under_way_does_not_replace_it(alice_and_bob: tuple[Pairwise, Pairwise]) -> None:
    alice, bob = alice_and_bob
    offer = offer_to_bob(alice, bob)
    [answer] = bob.on_offer(ROOM, "alice", public(alice), offer)
    forger = hybrid.Initiator(signing.new_identity(), "alice", "bob", public(bob))
    forged = forger.offer() | {"session": offer["session"]}  # the forger's own keys under the session id it saw
    with pytest.raises(Refused, match="already under way"):
        bob.on_offer(ROOM, "alice", public(alice), forged)
    finish, envelope = alice.on_answer(ROOM, "bob", answer["body"])
    bob.on_finish("alice", finish["body"])
    assert bob.open(ROOM, "alice", envelope["body"]) == {"kind": "sender_key"}


def test_forged_offers_keep_a_bounded_number_of_exchanges_per_peer(alice_and_bob: tuple[Pairwise, Pairwise]) -> None:
    alice, bob = alice_and_bob
    forger = signing.new_identity()
    for _ in range(MAX_ANSWERING * 5):
        offer = hybrid.Initiator(forger, "alice", "bob", public(bob)).offer()
        bob.on_offer(ROOM, "alice", public(alice), offer)
    assert len([key for key in bob.answering if key[0] == "alice"]) == MAX_ANSWERING
    offer = offer_to_bob(alice, bob)  # the genuine one, after the flood, is answered and completes
    [answer] = bob.on_offer(ROOM, "alice", public(alice), offer)
    finish, envelope = alice.on_answer(ROOM, "bob", answer["body"])
    bob.on_finish("alice", finish["body"])
    assert bob.open(ROOM, "alice", envelope["body"]) == {"kind": "sender_key"}
    assert len(bob.answering) <= MAX_ANSWERING
