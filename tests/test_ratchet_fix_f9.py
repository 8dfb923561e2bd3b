"""F9: every offer a member (or the server, in a member's name) sends is answered and its Responder kept until a
finish: no bound, an ML-KEM encapsulation each (S9: memory stays bounded)."""

from chatkit.client.pairwise import Pairwise
from chatkit.crypto import signing
from chatkit.crypto.hybrid import Initiator


def test_offers_that_are_never_finished_keep_bounded_memory() -> None:
    bob_id, mallory_id = signing.new_identity(), signing.new_identity()
    bob = Pairwise(bob_id, "bob")
    for _ in range(300):
        offer = Initiator(mallory_id, "mallory", "bob", signing.public_bytes(bob_id)).offer()
        bob.on_offer("lab", "mallory", signing.public_bytes(mallory_id), offer)
    assert len(bob.answering) <= 4  # already bounded on main (MAX_ANSWERING = 4); it was 300
