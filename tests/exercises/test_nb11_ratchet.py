"""Checks for notebook 11's exercises: the ratchet mode's own chains and exchange, fresh keys and theft points each run.

The theft check keeps the conversation's texts in a referee process (chatkit.course.referee): the student's code gets
only the copied chain and the captured messages, as a thief would.
"""

import base64
import secrets
from collections.abc import Callable
from types import ModuleType

import pytest

from chatkit.course.referee import Referee
from chatkit.crypto import labels, sealed, signing
from chatkit.crypto.chains import WINDOW, SendingChain
from chatkit.crypto.errors import HandshakeFailed
from chatkit.crypto.hybrid import Initiator

Load = Callable[[str], ModuleType]
Referees = Callable[..., Referee]


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


def theft(referee: Referee) -> tuple[dict[str, object], list[dict[str, object]]]:
    """Return what the thief has from the referee's conversation: the copied chain and the captured messages."""
    scene = referee.ask("theft")
    stolen = {"chain_key": base64.b64decode(scene["stolen"]["chain_key"]), "index": scene["stolen"]["index"]}
    return stolen, scene["captured"]


@pytest.mark.points(2)
def test_the_thief_reads_from_the_theft_on_and_nothing_before(exercise: Load, referee: Referees) -> None:
    judge = referee("chain_theft")  # the texts stay in the referee's process; only the captures come here
    stolen, captured = theft(judge)
    read = exercise("nb11_ratchet").read_after_theft(stolen, captured)
    assert judge.ask("judge", {str(index): text for index, text in read.items()}), (
        "the thief should read every message from the theft on, and none before it"
    )


def test_the_thief_cannot_jump_beyond_the_window(exercise: Load) -> None:
    chain = SendingChain.fresh()
    stolen = chain.snapshot()
    for _ in range(WINDOW + 2):
        index, key = chain.next()
    header = b"far ahead"
    nonce, ciphertext = sealed.seal(key, b"too far", labels.SENDER_MESSAGE_AD, header)
    far = {
        "index": index,
        **{
            name: base64.b64encode(value).decode()
            for name, value in (("header", header), ("nonce", nonce), ("ciphertext", ciphertext))
        },
    }
    assert exercise("nb11_ratchet").read_after_theft(stolen, [far]) == {}, "a receiver never steps that far ahead"


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
