"""Checks for notebook 17's exercises against live capstone stages (random seed, texts and lengths each run)."""

import secrets
from collections.abc import Callable, Iterator
from types import ModuleType

import pytest

from chatkit import protocol
from chatkit.client.events import Problem
from chatkit.lab.hostile import malicious
from chatkit.lab.relay import TO_SERVER
from chatkit.lab.variants import CapstoneStage, ticket_for
from chatkit.server.member import Member

Load = Callable[[str], ModuleType]
Make = Callable[..., CapstoneStage]
FAST = 1_000  # PBKDF2 iterations for the test clients (the kit's default is 600,000)


@pytest.fixture
def stages() -> Iterator[Make]:
    started: list[CapstoneStage] = []

    def make(variant: str, fixed: bool = False) -> CapstoneStage:
        ticket = ticket_for(secrets.token_hex(8), "team-01", variant)
        started.append(CapstoneStage(ticket, fixed=fixed, iterations=FAST))
        return started[-1]

    yield make
    for stage in started:
        stage.stop()
        for relay in stage.relays:  # Relay.stop only shuts its sockets down: close them here
            for pipe in relay.pipes.values():
                pipe.client.close()
                pipe.server.close()


def captured_says(stage: CapstoneStage) -> list[protocol.Frame]:
    """Alice says six texts of random lengths (never a whole bucket) through a relay; return the 'say' frames."""
    relay = stage.relay()
    alice, bob = stage.client("alice", via=relay), stage.client("bob")
    lengths = [secrets.choice([*range(1, 31), *range(33, 63)]) for _ in range(6)]
    for length in lengths:
        alice.send("x" * length)
    bob.wait_for_message("x" * lengths[-1])
    return [protocol.decode(c.line) for c in relay.lines(TO_SERVER, containing='"say"')]


def test_the_detector_tells_padded_from_unpadded_traffic(exercise: Load, stages: Make) -> None:
    ex = exercise("nb17_capstone")
    order = secrets.choice([(False, True), (True, False)])  # which stage comes first is random
    for fixed in order:
        says = captured_says(stages("unpadded", fixed=fixed))
        assert ex.leaks_lengths(says) is (not fixed), "the unpadded stage leaks lengths; the fixed one pads them"


@pytest.mark.points(2)
def test_the_gap_test_fails_on_the_variant_and_passes_on_the_fix(exercise: Load, stages: Make) -> None:
    ex = exercise("nb17_capstone")
    assert ex.gap_reported(stages("silent-gap")) is False, "the variant does not report a dropped message"
    assert ex.gap_reported(stages("silent-gap", fixed=True)) is True, "the fixed stage reports it"


def warned_of_a_drop(stage: CapstoneStage) -> bool:
    """The check's own scene: a server drops one of alice's messages (the 2nd or 3rd) to bob: is he warned?"""
    alice, bob = stage.client("alice"), stage.client("bob")
    dropped = secrets.choice([2, 3])  # not the first: before a first contact nothing is missing (freshness.py)

    def drop(frame: protocol.Frame, member: Member) -> protocol.Frame | None:
        return None if member.name == "bob" and frame.get("counter") == dropped else frame

    with malicious(stage, drop):
        for number in range(1, 5):
            alice.send(f"number {number}")
        bob.wait_for_message("number 4")
    alice.send("over")
    bob.wait_for_message("over")
    return any(isinstance(event, Problem) and event.code == "gap" for event in list(bob.history))


def test_the_patched_codec_reports_the_gap(exercise: Load, stages: Make) -> None:
    ex = exercise("nb17_capstone")
    stage = stages("silent-gap")
    stage.codec = ex.PatchedCodec  # every client the stage connects from now on uses the team's fix
    assert warned_of_a_drop(stage), "with the patch, bob should be told a message is missing"
