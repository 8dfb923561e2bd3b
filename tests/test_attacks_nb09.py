"""Notebook 09's question, tested on real servers: what does the operator of each server learn?

Classic: the plaintext itself. Sealed: no plaintext, but the metadata stays, and the length of every message to
within a 32-byte bucket (the sealed client pads), so short answers look alike. Uses the instructor's solution.
"""

import sqlite3
from contextlib import closing
from pathlib import Path
from types import ModuleType

import pytest

from chatkit.client.events import ChatMessage
from chatkit.crypto import lengths
from chatkit.lab import Stage
from chatkit.lab.exercises import load

FAST = 1_000  # PBKDF2 iterations for the test clients (the kit's default is 600,000)
SECRET = "the vault code is 4711"


@pytest.fixture
def solution(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("CHATKIT_EXERCISES", "solutions")
    return load("nb09_metadata")


def run_conversation(mode: str, db: Path) -> Stage:
    """Alice says the secret, Bob answers 'no'; return the stage with everything stored."""
    stage = Stage(mode, iterations=FAST, db=db)
    alice, bob = stage.client("alice", room="vault"), stage.client("bob", room="vault")
    for person, text in [(alice, SECRET), (bob, "no")]:
        person.send(text)
        person.wait_for(lambda e, t=text: isinstance(e, ChatMessage) and e.own and e.text == t)
    stage.server.log.flush()
    return stage


def database_text(db: Path) -> str:
    with closing(sqlite3.connect(db)) as conn:
        return " ".join(str(row) for row in conn.execute("SELECT * FROM messages").fetchall())


@pytest.mark.parametrize("mode", ["classic", "sealed"])
def test_the_operator_reads_plaintext_only_in_classic_mode(mode: str, tmp_path: Path) -> None:
    stage = run_conversation(mode, tmp_path / "chat.db")
    try:
        assert (SECRET in database_text(tmp_path / "chat.db")) is (mode == "classic")
    finally:
        stage.stop()


def test_the_sealed_operator_still_learns_who_where_and_how_long(solution: ModuleType, tmp_path: Path) -> None:
    stage = run_conversation("sealed", tmp_path / "chat.db")
    try:
        rows = solution.stored_metadata(str(tmp_path / "chat.db"))
    finally:
        stage.stop()
    assert [(room, sender) for room, sender, _, _ in rows] == [("vault", "alice"), ("vault", "bob")]
    assert rows[0][3] == len(lengths.pad_to_bucket(SECRET.encode())), "the length shows, to within a 32-byte bucket"
    assert rows[1][3] == len(lengths.pad_to_bucket(b"yes")), "but 'no' looks exactly like 'yes': it cannot be read"
