"""Checks for notebook 10's exercises: the ratchet mode's own exchange, with fresh identities and names each run.

In the unsigned exchange, Alice, Bob and the chain keys they end with are in a referee process
(chatkit.course.referee): the student's Mallory, here, sees only the public keys and the messages she carries.
"""

import base64
import secrets
from collections.abc import Callable
from types import ModuleType

import pytest

from chatkit.course.referee import Referee
from chatkit.crypto import signing
from chatkit.crypto.errors import HandshakeFailed
from chatkit.crypto.hybrid import Initiator, Responder

Load = Callable[[str], ModuleType]
Referees = Callable[..., Referee]


Sides = tuple[Initiator, Responder, tuple[str, str], tuple[bytes, bytes]]


def two_sides(signed: bool = True) -> Sides:
    """Return an initiator and a responder with fresh identities and names, their names and identity keys."""
    alice_name, bob_name = f"a{secrets.token_hex(3)}", f"b{secrets.token_hex(3)}"
    alice_id, bob_id = signing.new_identity(), signing.new_identity()
    keys = signing.public_bytes(alice_id), signing.public_bytes(bob_id)
    alice = Initiator(alice_id, alice_name, bob_name, keys[1], signed=signed)
    bob = Responder(bob_id, bob_name, alice_name, keys[0], signed=signed)
    return alice, bob, (alice_name, bob_name), keys


def test_run_exchange_gives_both_sides_one_key(exercise: Load) -> None:
    alice, bob, _, _ = two_sides()
    alice_key, bob_key = exercise("nb10_exchange").run_exchange(alice, bob)
    assert alice_key == bob_key and len(alice_key) == 32


def test_run_exchange_lets_a_wrong_identity_fail(exercise: Load) -> None:
    alice, _, names, keys = two_sides()
    impostor = Responder(signing.new_identity(), names[1], names[0], keys[0])  # not the bob alice expects
    with pytest.raises(HandshakeFailed, match="signature does not match"):
        exercise("nb10_exchange").run_exchange(alice, impostor)


def test_key_changed_pins_on_first_use(exercise: Load) -> None:
    ex = exercise("nb10_exchange")
    pins: dict[str, bytes] = {}
    first, second = secrets.token_bytes(32), secrets.token_bytes(32)
    assert ex.key_changed(pins, "carol", first) is False
    assert pins == {"carol": first}
    assert ex.key_changed(pins, "carol", first) is False
    assert ex.key_changed(pins, "carol", second) is True
    assert ex.key_changed(pins, "carol", second) is True, "a changed key is never pinned in place of the first"
    assert pins["carol"] == first
    assert ex.key_changed(pins, "dave", second) is False


@pytest.mark.points(2)
def test_mallory_holds_both_keys_of_an_unsigned_exchange(exercise: Load, referee: Referees) -> None:
    judge = referee("unsigned_exchange")  # Alice, Bob and their keys are there; only the messages come here
    public = judge.ask("public")
    names = tuple(public["names"])
    identity_keys = tuple(base64.b64decode(key) for key in public["identity_keys"])
    mallory = exercise("nb10_exchange").Mallory(names, identity_keys)
    to_bob = mallory.on_offer(judge.ask("offer"))
    to_alice = mallory.on_answer(judge.ask("answer", to_bob))
    assert judge.ask("finish", to_alice), "Alice and Bob should both finish without noticing anything"
    with_alice, with_bob = (base64.b64encode(key).decode() for key in (mallory.with_alice, mallory.with_bob))
    assert judge.ask("judge", with_alice, with_bob), "Mallory should hold the chain key of each of them"


def test_mallory_is_caught_by_the_signed_exchange(exercise: Load) -> None:
    alice, bob, names, keys = two_sides(signed=True)
    mallory = exercise("nb10_exchange").Mallory(names, keys)
    to_alice = mallory.on_answer(bob.on_offer(mallory.on_offer(alice.offer())))
    with pytest.raises(HandshakeFailed, match="not signed"):
        alice.on_answer(to_alice)
