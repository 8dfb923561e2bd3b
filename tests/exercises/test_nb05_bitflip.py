"""Checks for notebook 05's bit-flipping exercises (random keys, amounts and offsets each run).

The keys stay in referee processes (chatkit.course.referee): the student's code gets the token or the captured
line, and the referee says what the changed one decrypts to.
"""

import os
from collections.abc import Callable
from types import ModuleType

import pytest

from chatkit.course.referee import Referee
from chatkit.crypto import classic

Load = Callable[[str], ModuleType]
Referees = Callable[..., Referee]


def test_xor_byte_by_byte(exercise: Load) -> None:
    ex = exercise("nb05_bitflip")
    a, b = os.urandom(13), os.urandom(13)
    assert ex.xor(a, b) == bytes(x ^ y for x, y in zip(a, b, strict=True))
    assert ex.xor(a, a) == bytes(13)
    with pytest.raises(ValueError):
        ex.xor(a, b[:5])


def test_retarget_changes_only_the_chosen_bytes(exercise: Load, referee: Referees) -> None:
    ex = exercise("nb05_bitflip")
    judge = referee("bitflip_token")  # the key stays in the referee's process: here there is only the token
    given = judge.ask("token")
    forged = ex.retarget(given["token"], 4, given["amount"].encode(), given["wanted"].encode())
    verdict = judge.ask("judge", forged)
    assert verdict["says_wanted"], "the forged token does not decrypt to the wanted amount"
    assert verdict["same_blocks"], "the ciphertext blocks after the IV should be untouched"


def test_retarget_refuses_what_the_iv_cannot_reach(exercise: Load) -> None:
    ex = exercise("nb05_bitflip")
    token = classic.encrypt(os.urandom(32), "a message longer than one block")
    with pytest.raises(ValueError):
        ex.retarget(token, 14, b"abc", b"xyz")  # would run past the first block
    with pytest.raises(ValueError):
        ex.retarget(token, 0, b"ab", b"xyz")


def test_tamper_say_in_a_live_relay(exercise: Load, referee: Referees) -> None:
    ex = exercise("nb05_bitflip")
    judge = referee("bitflip_in_flight")  # the room's key stays there; its relay holds Alice's say line back
    captured = judge.ask("captured")
    line, amount, wanted = captured["line"].encode("latin-1"), captured["amount"], captured["wanted"]
    changed = bytes(ex.tamper_say(line, 4, amount.encode(), wanted.encode()))
    assert judge.ask("deliver", changed.decode("latin-1")) == f"pay {wanted} to carol", "Bob did not read the change"
