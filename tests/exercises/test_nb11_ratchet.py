"""Checks for notebook 11's exercises: the ratchet mode's own chains and exchange, fresh keys and theft points each run.

Nothing here is a secret the student must find (the stolen state is handed over, as to a thief), so no referee.
"""

import secrets
from collections.abc import Callable
from types import ModuleType

import pytest

from chatkit.crypto import signing
from chatkit.crypto.chains import WINDOW, SendingChain
from chatkit.crypto.errors import HandshakeFailed
from chatkit.crypto.hybrid import Initiator

Load = Callable[[str], ModuleType]


def chain_robbed_after(sent: int) -> tuple[list[bytes], dict[str, object], SendingChain]:
    """Send `sent` messages on a fresh chain, then copy it: return the keys used so far, the copy, and the chain."""
    chain = SendingChain.fresh()
    used = [chain.next()[1] for _ in range(sent)]
    return used, chain.snapshot(), chain


def test_message_keys_match_what_the_member_sends_next(exercise: Load) -> None:
    sent = secrets.randbelow(20) + 1
    used, stolen, chain = chain_robbed_after(sent)
    computed = exercise("nb11_ratchet").message_keys(stolen, 5)
    assert computed == dict(chain.next() for _ in range(5))
    assert set(computed) == set(range(sent, sent + 5)), "the keys are numbered from the stolen index on"
    assert not set(computed.values()) & set(used), "no key of a message sent before the theft"


def test_thief_opens_from_the_theft_on_and_nothing_before(exercise: Load) -> None:
    sent = secrets.randbelow(10) + 2
    _, stolen, _ = chain_robbed_after(sent)
    indices = list(range(sent + 8))
    assert exercise("nb11_ratchet").thief_can_open(stolen, indices) == list(range(sent, sent + 8))


def test_thief_cannot_jump_beyond_the_window(exercise: Load) -> None:
    _, stolen, _ = chain_robbed_after(3)
    far = 3 + WINDOW + 1 + secrets.randbelow(5)
    assert exercise("nb11_ratchet").thief_can_open(stolen, [far]) == []


def update_offer() -> tuple[Initiator, signing.Identity, tuple[str, str], bytes]:
    """Bob starts a fresh exchange with Alice (a key update): return it, Alice's identity, the names, Bob's key."""
    alice_id, bob_id = signing.new_identity(), signing.new_identity()
    names = f"alice-{secrets.token_hex(2)}", f"bob-{secrets.token_hex(2)}"
    bob = Initiator(bob_id, names[1], names[0], signing.public_bytes(alice_id))
    return bob, alice_id, names, signing.public_bytes(bob_id)


@pytest.mark.points(2)
def test_an_active_thief_with_the_identity_key_defeats_the_update(exercise: Load) -> None:
    bob, stolen_identity, (alice, bob_name), bob_key = update_offer()
    thief, answer = exercise("nb11_ratchet").answer_as(stolen_identity, alice, bob_name, bob_key, bob.offer())
    finish, bobs_new_key = bob.on_answer(answer)  # Bob accepts: the answer is signed with Alice's real key
    assert thief.on_finish(finish) == bobs_new_key, "the thief should hold the key of Bob's fresh session"


def test_without_the_identity_key_the_thief_is_refused(exercise: Load) -> None:
    bob, _, (alice, bob_name), bob_key = update_offer()
    guess = signing.new_identity()  # the thief only copied chains, not Alice's identity key
    with pytest.raises(HandshakeFailed, match="signature does not match"):
        _, answer = exercise("nb11_ratchet").answer_as(guess, alice, bob_name, bob_key, bob.offer())
        bob.on_answer(answer)
