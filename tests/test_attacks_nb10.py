"""Notebook 10's attack, for real over loopback: a relay that swaps the exchange keys reads an unauthenticated
exchange, and is stopped by signed exchange keys checked against trusted identities (the instructor's solution)."""

import secrets
from collections.abc import Iterator
from types import ModuleType

import pytest

from chatkit.crypto import signing
from chatkit.lab.exercises import load_solution
from chatkit.lab.handshake import Meeting, Person, Side
from chatkit.lab.relay import Relay


@pytest.fixture
def solution() -> ModuleType:
    return load_solution("nb10_exchange")


@pytest.fixture
def meeting() -> Iterator[Meeting]:
    with Meeting() as opened:
        yield opened


def through_mallory(
    meeting: Meeting, mallory: object, alice: Person, bob: Person, texts: list[str]
) -> tuple[Side, Side]:
    """Run the exchange through a relay whose tamper function is Mallory's."""
    relay = Relay(meeting.address).start()
    relay.tamper = mallory.tamper  # type: ignore[attr-defined]
    try:
        return meeting.run(alice, bob, texts, via=relay)
    finally:
        relay.stop()
        for pipe in relay.pipes.values():  # Relay.stop only shuts its sockets down (reported): close them here
            pipe.client.close()
            pipe.server.close()


def test_mitm_reads_an_unauthenticated_exchange(solution: ModuleType, meeting: Meeting) -> None:
    mallory = solution.Mallory()
    texts = [f"meet at {secrets.randbelow(24)}:00", secrets.token_hex(8)]
    alice_side, bob_side = through_mallory(meeting, mallory, Person("alice"), Person("bob"), texts)
    assert mallory.read == texts
    assert bob_side.received == texts and not alice_side.error and not bob_side.error
    assert alice_side.key != bob_side.key, "each of them shares a key with Mallory, not with each other"
    assert alice_side.safety_number != bob_side.safety_number, "comparing safety numbers would reveal her"


def test_mitm_fails_against_signed_exchange_keys(solution: ModuleType, meeting: Meeting) -> None:
    alice = Person("alice", identity=signing.new_identity())
    bob = Person("bob", identity=signing.new_identity())
    assert alice.identity is not None and bob.identity is not None
    alice.trusted["bob"], bob.trusted["alice"] = (
        signing.public_bytes(bob.identity),
        signing.public_bytes(alice.identity),
    )
    mallory = solution.Mallory()
    alice_side, bob_side = through_mallory(meeting, mallory, alice, bob, ["the vault code is 4711"])
    assert mallory.read == [] and bob_side.received == []
    assert "not signed" in alice_side.error and "not signed" in bob_side.error


def test_without_mallory_the_safety_numbers_match(meeting: Meeting) -> None:
    alice_side, bob_side = meeting.run(Person("alice"), Person("bob"), ["hello"])
    assert alice_side.safety_number == bob_side.safety_number and bob_side.received == ["hello"]
