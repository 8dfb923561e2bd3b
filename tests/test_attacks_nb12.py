"""Notebook 12's variants, attacked for real on loopback: each attack works on the weak variant and fails once the
variant is hardened (the kit's own protection switched back on). The replay uses the instructor's solution."""

import os
from collections.abc import Callable, Iterator
from types import ModuleType

import pytest

from chatkit.client.events import ChatMessage, Problem
from chatkit.crypto import signing
from chatkit.lab.exercises import load_solution
from chatkit.lab.oracle import PaddingOracle
from chatkit.lab.variants import VariantStage

FAST = 1_000  # PBKDF2 iterations for the test clients (the kit's default is 600,000)
Make = Callable[..., VariantStage]


@pytest.fixture
def solution() -> ModuleType:
    return load_solution("nb12_capstone")


@pytest.fixture
def variant() -> Iterator[Make]:
    stages: list[VariantStage] = []

    def make(name: str, hardened: bool) -> VariantStage:
        stages.append(VariantStage(name, hardened=hardened, iterations=FAST))
        return stages[-1]

    yield make
    for stage in stages:
        stage.stop()
        for relay in stage.relays:  # Relay.stop only shuts its sockets down (reported): close them here
            for pipe in relay.pipes.values():
                pipe.client.close()
                pipe.server.close()


@pytest.mark.parametrize("hardened", [False, True])
def test_replay(solution: ModuleType, variant: Make, hardened: bool) -> None:
    stage = variant("no-replay-check", hardened)
    relay = stage.relay()
    alice, bob = stage.client("alice", via=relay), stage.client("bob")
    alice.send("transfer 100 euros")
    bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == "transfer 100 euros")
    solution.replay_last_say(relay)
    alice.send("over")
    bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == "over")
    received = sum(message.text == "transfer 100 euros" for message in bob.messages())
    assert received == (1 if hardened else 2)


@pytest.mark.parametrize("hardened", [False, True])
def test_padding_oracle(variant: Make, hardened: bool) -> None:
    stage = variant("padding-oracle", hardened)
    oracle = PaddingOracle(stage.client("mallory"), budget=8)
    answers = [oracle.answer(os.urandom(16), os.urandom(16)) for _ in range(8)]
    assert ("bad_padding" in answers) is not hardened, answers


@pytest.mark.parametrize("hardened", [False, True])
def test_key_change(variant: Make, hardened: bool) -> None:
    stage = variant("ignores-key-change", hardened)
    bob, alice = stage.client("bob"), stage.client("alice")
    alice.send("first")
    bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == "first")
    alice.close()
    impostor = stage.client("alice", identity=signing.new_identity())  # a new signing key under the same name
    impostor.send("send the files to me")
    if hardened:  # held back until Bob accepts the new key (S6)
        bob.wait_for(lambda e: isinstance(e, Problem) and e.code == "key_changed")
        assert not [m for m in bob.messages() if m.text == "send the files to me"]
    else:
        bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == "send the files to me")
        assert not any(isinstance(e, Problem) and e.code == "key_changed" for e in list(bob.history))


def test_scoreboard_totals_and_table() -> None:
    from chatkit.lab.scoreboard import POINTS, Scoreboard

    board = Scoreboard()
    board.award("red", "attack", "replayed a transfer on team blue's stage")
    board.award("blue", "fix", "counter check back on")
    board.award("red", "report", "handed in")
    assert board.totals() == {"red": POINTS["attack"] + POINTS["report"], "blue": POINTS["fix"]}
    assert "replayed a transfer" in board.table()
    with pytest.raises(ValueError, match="kind should be one of"):
        board.award("red", "bonus", "no such kind")
