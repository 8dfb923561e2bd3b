"""Notebook 11's attack: steal the state at message 5 and read what you can (the instructor's solution).

With one key for everything, the thief reads all ten messages. With the hash ratchet, only 6-10; after one
Diffie-Hellman step (heal), none of the messages that follow.
"""

import os
import secrets
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from chatkit.crypto import exchange, labels, ratchet
from chatkit.lab.chain import Chain, Sealed, StaticChain
from chatkit.lab.exercises import load_solution


@pytest.fixture
def solution() -> ModuleType:
    return load_solution("nb11_ratchet")


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


def labels_used(monkeypatch: pytest.MonkeyPatch, derive: Callable[[], object]) -> set[bytes]:
    """Run one ratchet derivation and return the labels it gave HMAC and HKDF."""
    seen: set[bytes] = set()
    real_hmac, real_hkdf = ratchet._hmac_sha256, ratchet.hkdf_sha256

    def spy_hmac(key: bytes, data: bytes) -> bytes:
        seen.add(data)
        return real_hmac(key, data)

    def spy_hkdf(secret: bytes, info: bytes, **options: Any) -> bytes:
        seen.add(info)
        return real_hkdf(secret, info, **options)

    monkeypatch.setattr(ratchet, "_hmac_sha256", spy_hmac)
    monkeypatch.setattr(ratchet, "hkdf_sha256", spy_hkdf)
    derive()
    monkeypatch.undo()
    return seen


def test_s8_each_ratchet_derivation_has_a_label_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chain step, the message key and the heal each start from their own label (docs/security.md, S8)."""
    chain_key = os.urandom(32)
    step = labels_used(monkeypatch, lambda: ratchet.ratchet_step(chain_key))
    healing = labels_used(monkeypatch, lambda: ratchet.heal(chain_key, os.urandom(32)))
    assert len(step) == 2, f"the step should use two labels (chain key, message key), used {step}"
    assert not step & healing, f"the heal reuses a label of the chain step: {step & healing}"
    every = {value for name, value in vars(labels).items() if name.isupper()}
    assert step | healing <= every, "every ratchet label is one of chatkit.crypto.labels"
