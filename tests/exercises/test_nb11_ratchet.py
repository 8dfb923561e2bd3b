"""Checks for notebook 11's exercises: fresh keys, texts and theft points each run.

The theft checks keep the conversation's texts in a referee process (chatkit.course.referee): the student's code
gets only the stolen key and the captured messages, as a thief would.
"""

import base64
import os
import secrets
from collections.abc import Callable
from types import ModuleType

from chatkit.course.referee import Referee
from chatkit.crypto import exchange
from chatkit.lab.chain import Chain, Sealed

Load = Callable[[str], ModuleType]
Referees = Callable[..., Referee]


def conversation(chain: Chain, count: int) -> tuple[list[str], list[Sealed]]:
    texts = [f"message {n}: {secrets.token_hex(4)}" for n in range(1, count + 1)]
    return texts, [chain.seal(text) for text in texts]


def test_message_keys_match_the_chain(exercise: Load) -> None:
    start = os.urandom(32)
    chain = Chain(start)
    expected = [chain.next_key() for _ in range(7)]
    assert exercise("nb11_ratchet").message_keys(start, 7) == expected


def test_message_keys_are_all_different(exercise: Load) -> None:
    keys = exercise("nb11_ratchet").message_keys(os.urandom(32), 20)
    assert len(keys) == 20 and len(set(keys)) == 20


def theft(referee: Referee) -> tuple[bytes, list[Sealed]]:
    """Return what the thief has from the referee's conversation: the stolen chain key and the captured messages."""
    scene = referee.ask("theft")
    captured = [
        Sealed(s["number"], base64.b64decode(s["nonce"]), base64.b64decode(s["ciphertext"])) for s in scene["captured"]
    ]
    return base64.b64decode(scene["stolen"]), captured


def judged(referee: Referee, read: dict[int, str]) -> bool:
    return bool(referee.ask("judge", {str(number): text for number, text in read.items()}))


def test_theft_reads_the_future_not_the_past(exercise: Load, referee: Referees) -> None:
    judge = referee("ratchet_theft")  # the texts stay in the referee's process; only the captures come here
    stolen, captured = theft(judge)
    assert judged(judge, exercise("nb11_ratchet").read_after_theft(stolen, captured)), (
        "the thief should read every message after the theft, and none before it"
    )


def test_theft_of_a_static_key_reads_everything(exercise: Load, referee: Referees) -> None:
    judge = referee("ratchet_theft", static=True)
    stolen, captured = theft(judge)
    assert judged(judge, exercise("nb11_ratchet").read_after_theft(stolen, captured)), "a static key opens every one"


def test_healing_agrees_on_both_sides(exercise: Load) -> None:
    ex = exercise("nb11_ratchet")
    chain_key = os.urandom(32)
    alice, bob = exchange.new_exchange_key(), exchange.new_exchange_key()
    at_alice = ex.healed_chain_key(chain_key, alice, exchange.exchange_public(bob))
    at_bob = ex.healed_chain_key(chain_key, bob, exchange.exchange_public(alice))
    assert at_alice == at_bob and at_alice != chain_key and len(at_alice) == 32


def test_healing_locks_the_thief_out(exercise: Load) -> None:
    ex = exercise("nb11_ratchet")
    alice = Chain(os.urandom(32))
    conversation(alice, 3)
    stolen = alice.chain_key
    mine, theirs = exchange.new_exchange_key(), exchange.new_exchange_key()
    alice.chain_key = ex.healed_chain_key(alice.chain_key, mine, exchange.exchange_public(theirs))
    _, after = conversation(alice, 5)
    assert ex.read_after_theft(stolen, after) == {}
    assert ex.read_after_theft(alice.chain_key, after) == {}  # the new chain key cannot open the messages before it
