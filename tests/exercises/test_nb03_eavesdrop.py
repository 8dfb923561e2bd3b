"""Checks for notebook 03's exercises against a live classic stage (random names, texts and password each run)."""

import base64
import json
import random
import secrets
from collections.abc import Callable
from types import ModuleType

from chatkit.client import ChatClient
from chatkit.client.events import ChatMessage, Wire
from chatkit.lab import Stage

Load = Callable[[str], ModuleType]
StageFactory = Callable[..., Stage]
# The lines are taken from the clients' Wire events: the very bytes an eavesdropper on the network sees.


def wire_lines(client: ChatClient, direction: str) -> list[bytes]:
    return [e.line for e in list(client.history) if isinstance(e, Wire) and e.direction == direction]


ANSWERS = ["yes", "no, sorry, I am busy tonight", "maybe later this week, if the weather holds up"]


def test_read_server_log_finds_the_plaintext(exercise: Load, stage_factory: StageFactory) -> None:
    stage = stage_factory("classic")
    name, room, text = f"u{secrets.token_hex(3)}", f"r{secrets.token_hex(3)}", f"secret {secrets.token_hex(8)}"
    person = stage.client(name, room=room)
    person.send(text)
    person.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == text)
    stage.server.log.flush()
    assert (room, name, text) in exercise("nb03_eavesdrop").read_server_log(stage.server.db_path)


def test_who_talked_where_from_the_wire(exercise: Load, stage_factory: StageFactory) -> None:
    stage = stage_factory("classic")
    people = [stage.client(f"p{secrets.token_hex(3)}", room=f"r{secrets.token_hex(2)}") for _ in range(2)]
    for person in people:
        person.send("hi")
        person.wait_for(lambda e, p=person: isinstance(e, ChatMessage) and e.own)
    lines = [line for person in people for line in wire_lines(person, "received")]
    assert exercise("nb03_eavesdrop").who_talked_where(lines) == [(p.room, p.name) for p in people]


def test_classic_token_length_predicts_the_wire(exercise: Load) -> None:
    from chatkit.crypto import classic

    ex = exercise("nb03_eavesdrop")
    for _ in range(5):
        text = "x" * random.randint(0, 70)
        assert ex.classic_token_length(text) == len(base64.b64decode(classic.encrypt(secrets.token_bytes(32), text)))


def test_guess_the_answer_from_its_length(exercise: Load, stage_factory: StageFactory) -> None:
    stage = stage_factory("classic")
    bob = stage.client("bob")
    sent = [random.choice(ANSWERS) for _ in range(4)]
    for text in sent:
        bob.send(text)
    bob.wait_for(lambda e: isinstance(e, ChatMessage) and len(bob.messages()) == len(sent))
    says = [json.loads(line) for line in wire_lines(bob, "sent") if b'"type": "say"' in line]
    tokens = [say["ciphertext"] for say in says]
    ex = exercise("nb03_eavesdrop")
    assert [ex.guess_from_length(token, ANSWERS) for token in tokens] == sent
