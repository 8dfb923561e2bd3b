"""Checks for notebook 04 against live classic stages whose password is drawn at random from the word list."""

import random
import secrets
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from chatkit.client.events import Wire
from chatkit.lab import Stage

Load = Callable[[str], ModuleType]
StageFactory = Callable[..., Stage]
WORDS_FILE = Path(__file__).resolve().parents[2] / "notebooks" / "data" / "passwords.txt"


SAMPLE = 150  # a random part of the list keeps each check to a few seconds; the notebook runs the whole list


def word_list() -> list[str]:
    lines = WORDS_FILE.read_text().splitlines()
    words = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return random.sample(words, SAMPLE)


def captured_hello(stage: Stage, name: str) -> bytes:
    """Connect someone and return their hello line, the very bytes an eavesdropper on the network sees."""
    client = stage.client(name)
    sent = [e.line for e in list(client.history) if isinstance(e, Wire) and e.direction == "sent"]
    return next(line for line in sent if b'"type": "hello"' in line)


def test_name_and_proof_from_a_hello_line(exercise: Load, stage_factory: StageFactory) -> None:
    stage = stage_factory("classic")
    name = f"u{secrets.token_hex(4)}"
    found_name, proof = exercise("nb04_passwords").name_and_proof(captured_hello(stage, name))
    assert found_name == name and len(proof) >= 44


def test_recover_the_password_from_one_line(exercise: Load, stage_factory: StageFactory) -> None:
    words = word_list()
    stage = stage_factory("classic", password=secrets.choice(words))
    line = captured_hello(stage, f"u{secrets.token_hex(4)}")
    assert exercise("nb04_passwords").recover_password(line, words) == stage.password


def test_a_password_not_in_the_list_gives_none(exercise: Load, stage_factory: StageFactory) -> None:
    stage = stage_factory("classic")  # a random passphrase, not in any list
    line = captured_hello(stage, "alice")
    assert exercise("nb04_passwords").recover_password(line, word_list()[:40]) is None


def test_one_table_opens_two_deployments(exercise: Load, stage_factory: StageFactory) -> None:
    words = word_list()
    ex = exercise("nb04_passwords")
    table = ex.precompute(words)
    for _ in range(2):
        stage = stage_factory("classic", password=secrets.choice(words))
        assert ex.look_up(table, captured_hello(stage, f"u{secrets.token_hex(4)}")) == stage.password
