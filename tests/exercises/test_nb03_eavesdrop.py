"""Checks for notebook 03's exercises against a live classic stage (random names, texts and password each run).

The secret text and Bob's answers stay in referee processes (chatkit.course.referee): the student's code gets only
what an eavesdropper has, the server's database file and the lines on the wire.
"""

import base64
import random
import secrets
from collections.abc import Callable
from types import ModuleType

from chatkit.client import ChatClient
from chatkit.client.events import ChatMessage, Wire
from chatkit.course.referee import Referee
from chatkit.lab import Stage

Load = Callable[[str], ModuleType]
Referees = Callable[..., Referee]
StageFactory = Callable[..., Stage]
# The lines are taken from the clients' Wire events: the very bytes an eavesdropper on the network sees.


def wire_lines(client: ChatClient, direction: str) -> list[bytes]:
    return [e.line for e in list(client.history) if isinstance(e, Wire) and e.direction == direction]


def test_read_server_log_finds_the_plaintext(exercise: Load, referee: Referees) -> None:
    judge = referee("server_log")  # the secret was said in the referee's process; its server's file is on disk
    rows = exercise("nb03_eavesdrop").read_server_log(judge.ask("database"))
    assert judge.ask("judge", [list(row) for row in rows]), "the secret's (room, sender, text) is not among the rows"


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


def test_guess_the_answer_from_its_length(exercise: Load, referee: Referees) -> None:
    judge = referee("answer_lengths")  # Bob's answers stay in the referee's process: only the ciphertexts come here
    captured = judge.ask("tokens")
    ex = exercise("nb03_eavesdrop")
    guesses = [ex.guess_from_length(token, captured["candidates"]) for token in captured["tokens"]]
    assert judge.ask("judge", guesses), "these are not Bob's answers"
