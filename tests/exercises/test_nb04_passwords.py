"""Checks for notebook 04 against live classic stages whose password is drawn at random from the word list.

Each stage runs in a referee process (chatkit.course.referee): this process, where the student's code runs, only
ever holds the captured hello line, never the password; the referee judges the student's answer once.
"""

import random
import secrets
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from chatkit.course.home import find_home
from chatkit.course.referee import Referee

Load = Callable[[str], ModuleType]
Referees = Callable[..., Referee]
SAMPLE = 150  # a random part of the list keeps each check to a few seconds; the notebook runs the whole list


def word_list() -> list[str]:
    lines = (find_home(Path(__file__).parent).data / "passwords.txt").read_text().splitlines()
    words = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return random.sample(words, SAMPLE)


def captured_hello(referee: Referee, name: str) -> bytes:
    """Connect someone on the referee's stage and return their hello line, as an eavesdropper captures it."""
    return str(referee.ask("hello", name)).encode()


def test_name_and_proof_from_a_hello_line(exercise: Load, referee: Referees) -> None:
    name = f"u{secrets.token_hex(4)}"
    found_name, proof = exercise("nb04_passwords").name_and_proof(captured_hello(referee(), name))
    assert found_name == name and len(proof) >= 44


@pytest.mark.points(2)
def test_recover_the_password_from_one_line(exercise: Load, referee: Referees) -> None:
    words = word_list()
    judge = referee(words=words)
    line = captured_hello(judge, f"u{secrets.token_hex(4)}")
    assert judge.ask("judge", exercise("nb04_passwords").recover_password(line, words)), "not the room's password"


def test_a_password_not_in_the_list_gives_none(exercise: Load, referee: Referees) -> None:
    words = word_list()[:40]
    ex = exercise("nb04_passwords")
    listed = referee(words=words)  # first a password that is in the list: a function that always says None fails
    assert listed.ask("judge", ex.recover_password(captured_hello(listed, "bob"), words)), "not the room's password"
    line = captured_hello(referee(), "alice")  # a random passphrase, not in any list
    assert ex.recover_password(line, words) is None


@pytest.mark.points(2)
def test_one_table_opens_two_deployments(exercise: Load, referee: Referees) -> None:
    words = word_list()
    ex = exercise("nb04_passwords")
    table = ex.precompute(words)
    for _ in range(2):
        judge = referee(words=words)
        found = ex.look_up(table, captured_hello(judge, f"u{secrets.token_hex(4)}"))
        assert judge.ask("judge", found), "the table gave a word that is not the deployment's password"
