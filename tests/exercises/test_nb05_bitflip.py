"""Checks for notebook 05's bit-flipping exercises (random keys, amounts and offsets each run)."""

import os
import random
from collections.abc import Callable
from types import ModuleType

import pytest

from chatkit.client.events import ChatMessage
from chatkit.crypto import classic
from chatkit.lab import TO_SERVER, Captured, Stage

Load = Callable[[str], ModuleType]


def test_xor_byte_by_byte(exercise: Load) -> None:
    ex = exercise("nb05_bitflip")
    a, b = os.urandom(13), os.urandom(13)
    assert ex.xor(a, b) == bytes(x ^ y for x, y in zip(a, b, strict=True))
    assert ex.xor(a, a) == bytes(13)
    with pytest.raises(ValueError):
        ex.xor(a, b[:5])


def test_retarget_changes_only_the_chosen_bytes(exercise: Load) -> None:
    ex = exercise("nb05_bitflip")
    rng = random.Random()
    key, amount, wanted = os.urandom(32), rng.randint(10, 99), rng.randint(10, 99)
    token = classic.encrypt(key, f"pay {amount} euros to carol, ok")
    forged = ex.retarget(token, 4, str(amount).encode(), str(wanted).encode())
    assert classic.decrypt(key, forged) == f"pay {wanted} euros to carol, ok"
    assert forged[24:] == token[24:]  # the ciphertext blocks after the IV are untouched


def test_retarget_refuses_what_the_iv_cannot_reach(exercise: Load) -> None:
    ex = exercise("nb05_bitflip")
    token = classic.encrypt(os.urandom(32), "a message longer than one block")
    with pytest.raises(ValueError):
        ex.retarget(token, 14, b"abc", b"xyz")  # would run past the first block
    with pytest.raises(ValueError):
        ex.retarget(token, 0, b"ab", b"xyz")


def test_tamper_say_in_a_live_relay(exercise: Load, stage_factory: Callable[..., Stage]) -> None:
    ex = exercise("nb05_bitflip")
    rng = random.Random()
    stage = stage_factory("classic")
    relay = stage.relay()
    amount, wanted = str(rng.randint(10, 99)).encode(), str(rng.randint(10, 99)).encode()

    failures: list[str] = []

    def tamper(seen: Captured) -> bytes:
        line = seen.line
        if seen.direction != TO_SERVER:
            return line
        try:
            return bytes(ex.tamper_say(line, 4, amount, wanted))
        except Exception as error:  # pass the line on unchanged and report below, not in the relay's thread
            failures.append(f"tamper_say raised {error!r} on {line!r}")
            return line

    relay.tamper = tamper
    alice, bob = stage.client("alice", via=relay), stage.client("bob")
    alice.send(f"pay {amount.decode()} to carol")
    got = bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.sender == "alice", timeout=5)
    assert not failures, failures[0]
    assert isinstance(got, ChatMessage)
    assert got.text == f"pay {wanted.decode()} to carol"
