"""Checks for notebook 12's exercises against live variant stages (random passphrase and texts each run)."""

import secrets
from collections.abc import Callable, Iterator
from types import ModuleType

import pytest

from chatkit.client import ChatClient
from chatkit.client.events import ChatMessage, Problem
from chatkit.lab.variants import VariantStage

Load = Callable[[str], ModuleType]
FAST = 1_000  # PBKDF2 iterations for the test clients (the kit's default is 600,000)


@pytest.fixture
def variant() -> Iterator[Callable[..., VariantStage]]:
    stages: list[VariantStage] = []

    def make(name: str, **options: object) -> VariantStage:
        stages.append(VariantStage(name, iterations=FAST, **options))  # type: ignore[arg-type]
        return stages[-1]

    yield make
    for stage in stages:
        stage.stop()
        for relay in stage.relays:  # Relay.stop only shuts its sockets down (reported): close them here
            for pipe in relay.pipes.values():
                pipe.client.close()
                pipe.server.close()


def copies(person: ChatClient, text: str) -> int:
    return sum(message.text == text for message in person.messages())


def replay_scene(stage: VariantStage, ex: ModuleType) -> tuple[ChatClient, ChatClient, str]:
    """Alice (through a relay) says a secret to Bob; the exercise replays it; Alice then says 'over'."""
    relay = stage.relay()
    alice, bob = stage.client("alice", via=relay), stage.client("bob")
    secret = f"transfer {secrets.randbelow(10_000)} euros"
    alice.send(secret)
    bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == secret, timeout=5)
    assert ex.replay_last_say(relay) == relay.lines(containing='"say"')[-1].connection
    return alice, bob, secret


def finish(alice: ChatClient, bob: ChatClient) -> None:
    """Send a last message and wait for it: anything relayed before it has reached Bob."""
    alice.send("over")
    bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == "over")


def test_replay_goes_through_on_the_weak_variant(exercise: Load, variant: Callable[..., VariantStage]) -> None:
    ex = exercise("nb12_capstone")
    alice, bob, secret = replay_scene(variant("no-replay-check"), ex)
    finish(alice, bob)
    assert copies(bob, secret) == 2, "the replayed message should reach Bob a second time"


def test_replay_is_refused_when_hardened(exercise: Load, variant: Callable[..., VariantStage]) -> None:
    ex = exercise("nb12_capstone")
    alice, bob, secret = replay_scene(variant("no-replay-check", hardened=True), ex)
    alice.wait_for(lambda e: isinstance(e, Problem) and e.code == "replay")
    finish(alice, bob)
    assert copies(bob, secret) == 1


def test_is_fresh_rules(exercise: Load) -> None:
    ex = exercise("nb12_capstone")
    last: dict[tuple[str, str], int] = {}
    start = secrets.randbelow(10**9)
    assert ex.is_fresh(last, "r", "alice", start) is True
    assert ex.is_fresh(last, "r", "alice", start) is False, "the same counter again is a replay"
    assert ex.is_fresh(last, "r", "alice", start - 1) is False, "an older counter is a replay"
    assert ex.is_fresh(last, "r", "bob", start) is True, "each sender has a counter of their own"
    assert ex.is_fresh(last, "other", "alice", start) is True, "and each room"
    assert ex.is_fresh(last, "r", "alice", start + 5) is True


@pytest.mark.points(2)
def test_patched_server_stops_the_replay(exercise: Load, variant: Callable[..., VariantStage]) -> None:
    ex = exercise("nb12_capstone")
    stage = variant("no-replay-check")
    stage.server.rules = ex.PatchedServer()
    alice, bob, secret = replay_scene(stage, ex)
    alice.wait_for(lambda e: isinstance(e, Problem) and e.code == "replay")
    finish(alice, bob)
    assert copies(bob, secret) == 1
