"""Checks for notebook 06's padding-oracle exercises: a local oracle with a random key, then the live server.

The keys and Alice's secret stay in referee processes (chatkit.course.referee): here, where the student's code
runs, the oracle is only a question sent to the referee, as an attacker only gets the server's answers.
"""

import base64
import os
from collections.abc import Callable
from types import ModuleType

import pytest

from chatkit.course.referee import Referee
from chatkit.lab.oracle import QUERIES_PER_BLOCK

Load = Callable[[str], ModuleType]
Referees = Callable[..., Referee]
Oracle = Callable[[bytes, bytes], bool]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def oracle_of(referee: Referee) -> Oracle:
    """Return an oracle(iv, block) -> bool that asks the referee, which holds the key."""

    def oracle(iv: bytes, block: bytes) -> bool:
        return bool(referee.ask("oracle", b64(iv), b64(block)))

    return oracle


def test_iv_tail_sets_the_padding(exercise: Load) -> None:
    ex = exercise("nb06_padding_oracle")
    intermediate = os.urandom(5)
    tail = ex.iv_tail(intermediate, 6)
    assert len(tail) == 5
    assert bytes(a ^ b for a, b in zip(intermediate, tail, strict=True)) == bytes([6] * 5)


def test_recover_intermediate_within_budget(exercise: Load, referee: Referees) -> None:
    ex = exercise("nb06_padding_oracle")
    judge = referee("local_padding_oracle")
    block = base64.b64decode(judge.ask("block"))
    verdict = judge.ask("judge", b64(ex.recover_intermediate(oracle_of(judge), block)))
    assert verdict["right"], "these are not the block's intermediate bytes"
    assert verdict["queries"] <= QUERIES_PER_BLOCK + 16, f"{verdict['queries']} questions: more than the attack needs"


def test_recover_intermediate_when_the_block_ends_in_02_02(exercise: Load, referee: Referees) -> None:
    ex = exercise("nb06_padding_oracle")
    judge = referee("local_padding_oracle", ends_in_02_02=True)  # a lucky 02 02 is possible: check the first hit
    block = base64.b64decode(judge.ask("block"))
    assert judge.ask("judge", b64(ex.recover_intermediate(oracle_of(judge), block)))["right"]


@pytest.mark.points(3)
def test_decrypt_token_through_the_live_server(exercise: Load, referee: Referees) -> None:
    ex = exercise("nb06_padding_oracle")
    judge = referee("live_padding_oracle")
    token = str(judge.ask("token"))
    assert len(base64.b64decode(token)) == 48  # IV and two blocks
    assert judge.ask("judge", ex.decrypt_token(oracle_of(judge), token)), "not the text Alice sent"
