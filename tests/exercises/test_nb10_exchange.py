"""Checks for notebook 10's exercises: real exchanges over loopback sockets, fresh keys and names each run.

In the unauthenticated exchange, Alice, Bob and their texts are in a referee process (chatkit.course.referee):
the student's Mallory, here, sees only the lines that cross her relay.
"""

import json
import secrets
from collections.abc import Callable, Iterator
from types import ModuleType

import pytest

from chatkit.course.referee import Referee
from chatkit.crypto import signing
from chatkit.lab.handshake import Meeting, Person, hello_line
from chatkit.lab.relay import Relay
from chatkit.protocol import b64

Load = Callable[[str], ModuleType]
Referees = Callable[..., Referee]


@pytest.fixture
def meeting() -> Iterator[Meeting]:
    with Meeting() as opened:
        yield opened


def stop_relay(relay: Relay) -> None:
    """Stop the relay and close its sockets (Relay.stop only shuts them down: reported, until it closes them itself)."""
    relay.stop()
    for pipe in relay.pipes.values():
        pipe.client.close()
        pipe.server.close()


def signed_person(name: str) -> Person:
    return Person(name, identity=signing.new_identity())


def test_session_key_from_hello_matches_the_other_side(exercise: Load, meeting: Meeting) -> None:
    alice, bob = Person(f"a{secrets.token_hex(3)}"), Person(f"b{secrets.token_hex(3)}")
    alice_side, bob_side = meeting.run(alice, bob, [])
    ex = exercise("nb10_exchange")
    assert ex.session_key_from_hello(alice, hello_line(bob).decode()) == alice_side.key == bob_side.key
    assert ex.session_key_from_hello(bob, hello_line(alice).decode()) == bob_side.key


def test_genuine_hello_is_accepted(exercise: Load) -> None:
    alice = signed_person(f"a{secrets.token_hex(3)}")
    line = hello_line(alice).decode()
    assert exercise("nb10_exchange").hello_is_genuine(line, signing.public_bytes(alice.identity)) is True


def test_swapped_exchange_key_is_caught(exercise: Load) -> None:
    alice = signed_person(f"a{secrets.token_hex(3)}")
    frame = json.loads(hello_line(alice))
    frame["public"] = b64(Person("mallory").public)
    assert exercise("nb10_exchange").hello_is_genuine(json.dumps(frame), signing.public_bytes(alice.identity)) is False


def test_someone_elses_identity_is_caught(exercise: Load) -> None:
    alice, mallory = signed_person("alice"), signed_person("alice")  # Mallory signs her own key as "alice"
    line = hello_line(mallory).decode()
    assert exercise("nb10_exchange").hello_is_genuine(line, signing.public_bytes(alice.identity)) is False


def test_key_changed_pins_on_first_use(exercise: Load) -> None:
    ex = exercise("nb10_exchange")
    pins: dict[str, bytes] = {}
    first, second = secrets.token_bytes(32), secrets.token_bytes(32)
    assert ex.key_changed(pins, "carol", first) is False
    assert pins == {"carol": first}
    assert ex.key_changed(pins, "carol", first) is False
    assert ex.key_changed(pins, "carol", second) is True
    assert ex.key_changed(pins, "carol", second) is True, "a changed key is never pinned in place of the first"
    assert pins["carol"] == first
    assert ex.key_changed(pins, "dave", second) is False


def test_mallory_reads_an_unauthenticated_exchange(exercise: Load, referee: Referees) -> None:
    mallory = exercise("nb10_exchange").Mallory()
    judge = referee("unsigned_meeting")  # Alice, Bob and their texts are there; only Mallory's relay is here
    relay = Relay(tuple(judge.ask("address"))).start()
    relay.tamper = mallory.tamper
    try:
        seen = judge.ask("meet", *relay.address)
    finally:
        stop_relay(relay)
    assert judge.ask("judge", mallory.read), "Mallory should read every text"
    assert seen["bob_read_everything"], "Bob should notice nothing"
    assert seen["safety_numbers_differ"], "only the safety numbers give her away"


def test_mallory_is_stopped_by_signed_keys(exercise: Load, meeting: Meeting) -> None:
    mallory = exercise("nb10_exchange").Mallory()
    alice, bob = signed_person("alice"), signed_person("bob")
    alice.trusted["bob"] = signing.public_bytes(bob.identity)
    bob.trusted["alice"] = signing.public_bytes(alice.identity)
    relay = Relay(meeting.address).start()
    relay.tamper = mallory.tamper
    try:
        alice_side, bob_side = meeting.run(alice, bob, ["the plan"], via=relay)
    finally:
        stop_relay(relay)
    assert "not signed" in bob_side.error and "not signed" in alice_side.error
    assert mallory.read == [] and bob_side.received == []
