"""Notebook 11's attack: steal the state at message 5 and read what you can (the instructor's solution).

With one key for everything, the thief reads all ten messages. With the hash ratchet, only 6-10; after one
Diffie-Hellman step (heal), none of the messages that follow.
"""

import os
import secrets
from types import ModuleType

import pytest

from chatkit.crypto import exchange
from chatkit.lab.chain import Chain, Sealed, StaticChain
from chatkit.lab.exercises import load


@pytest.fixture
def solution(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("CHATKIT_EXERCISES", "solutions")
    return load("nb11_ratchet")


def talk(chain: Chain, count: int) -> tuple[list[str], list[Sealed]]:
    """Seal `count` fresh texts; return the texts and the ciphertexts a network attacker captured."""
    texts = [secrets.token_hex(6) for _ in range(count)]
    return texts, [chain.seal(text) for text in texts]


def test_stolen_static_key_reads_the_past(solution: ModuleType) -> None:
    alice = StaticChain(os.urandom(32))
    texts, captured = talk(alice, 5)
    stolen = alice.chain_key
    more, captured_later = talk(alice, 5)
    assert solution.read_after_theft(stolen, captured + captured_later) == dict(enumerate(texts + more, start=1))


def test_stolen_chain_key_does_not_read_the_past(solution: ModuleType) -> None:
    alice, bob = Chain(key := os.urandom(32)), Chain(key)
    texts, captured = talk(alice, 5)
    stolen = alice.chain_key
    more, captured_later = talk(alice, 5)
    assert [bob.open(message) for message in captured + captured_later] == texts + more  # Bob reads everything
    assert solution.read_after_theft(stolen, captured + captured_later) == dict(enumerate(more, start=6))


def test_one_dh_step_locks_the_thief_out(solution: ModuleType) -> None:
    alice, bob = Chain(key := os.urandom(32)), Chain(key)
    _, captured = talk(alice, 5)
    for message in captured:
        bob.open(message)
    stolen = alice.chain_key
    mine, theirs = exchange.new_exchange_key(), exchange.new_exchange_key()
    alice.heal(mine.exchange(theirs.public_key()))
    bob.heal(theirs.exchange(mine.public_key()))
    texts, after = talk(alice, 5)
    assert [bob.open(message) for message in after] == texts
    assert solution.read_after_theft(stolen, after) == {}
