"""Checks for notebook 09's exercises against a live sealed stage (random names, rooms, texts and passphrase)."""

import json
import secrets
from collections.abc import Callable
from types import ModuleType

from chatkit.client import ChatClient
from chatkit.client.events import ChatMessage, Wire
from chatkit.crypto import lengths
from chatkit.lab import Stage

Load = Callable[[str], ModuleType]
StageFactory = Callable[..., Stage]
FAST = 1_000  # PBKDF2 iterations for the test clients (the kit's default is 600,000)


def say_and_wait(person: ChatClient, text: str) -> ChatMessage:
    """Send a text and wait until it comes back from the server (so it is stored and relayed)."""
    person.send(text)
    event = person.wait_for(lambda e: isinstance(e, ChatMessage) and e.own and e.text == text)
    assert isinstance(event, ChatMessage)
    return event


def received_lines(person: ChatClient) -> list[bytes]:
    return [e.line for e in list(person.history) if isinstance(e, Wire) and e.direction == "received"]


def padded(size: int) -> int:
    """The padded length of a text of `size` bytes: the text and a marker byte, rounded up to 32."""
    return len(lengths.pad_to_bucket(bytes(size)))


def test_sealed_padded_length_from_a_live_message(exercise: Load, stage_factory: StageFactory) -> None:
    stage = stage_factory("sealed", iterations=FAST)
    person = stage.client(f"p{secrets.token_hex(3)}")
    for size in (1, 31, 32, 63, secrets.randbelow(200) + 1):
        token = json.loads(say_and_wait(person, "x" * size).line)["ciphertext"]
        assert exercise("nb09_metadata").sealed_padded_length(token) == padded(size)


def test_stored_metadata_without_the_key(exercise: Load, stage_factory: StageFactory) -> None:
    stage = stage_factory("sealed", iterations=FAST)
    name, room = f"u{secrets.token_hex(3)}", f"r{secrets.token_hex(3)}"
    person = stage.client(name, room=room)
    texts = [secrets.token_hex(secrets.randbelow(40) + 1) for _ in range(3)]
    for text in texts:
        say_and_wait(person, text)
    stage.server.log.flush()  # the server writes on its own thread: make sure every row is on disk
    rows = exercise("nb09_metadata").stored_metadata(stage.server.db_path)
    assert [(r[0], r[1], r[3]) for r in rows] == [(room, name, padded(len(text))) for text in texts]
    stored = [row.sent_at for row in stage.server.recent(10)]
    assert [r[2] for r in rows] == stored


def test_who_talks_where_from_the_wire(exercise: Load, stage_factory: StageFactory) -> None:
    stage = stage_factory("sealed", iterations=FAST)
    room_a, room_b = f"a{secrets.token_hex(2)}", f"b{secrets.token_hex(2)}"
    first, second, third = (f"n{secrets.token_hex(3)}" for _ in range(3))
    people = [stage.client(first, room=room_a), stage.client(second, room=room_a), stage.client(third, room=room_b)]
    for person in [people[1], people[0], people[1], people[2]]:
        say_and_wait(person, secrets.token_hex(4))
    lines = received_lines(people[0]) + received_lines(people[2])
    assert exercise("nb09_metadata").who_talks_where(lines) == {room_a: [second, first], room_b: [third]}
