"""Notebook 03's scenes: a classic server that logs plaintext, and answers whose lengths give them away."""

import json
import random
import secrets
from typing import Any

from chatkit.client.events import ChatMessage, Wire
from chatkit.course.scenes.judging import OneJudgement
from chatkit.lab import Stage

ANSWERS = ["yes", "no, sorry, I am busy tonight", "maybe later this week, if the weather holds up"]


class ServerLog(OneJudgement):
    """Someone says a random secret in a random room; the classic server logs it, as the original design did."""

    def __init__(self) -> None:
        self.stage = Stage("classic")
        name, room, self.text = f"u{secrets.token_hex(3)}", f"r{secrets.token_hex(3)}", f"secret {secrets.token_hex(8)}"
        person = self.stage.client(name, room=room)
        person.send(self.text)
        person.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == self.text)
        self.stage.server.log.flush()  # the server writes on its own thread: make sure the row is on disk
        self.row = [room, name, self.text]

    def answer_database(self) -> str:
        """Return the server's database file, which the student reads."""
        return self.stage.server.db_path

    def answer_judge(self, rows: list[Any]) -> bool:
        """Say whether the secret's (room, sender, text) is among the rows found."""
        self.judge_once()
        return self.row in [list(row) for row in rows]

    def stop(self) -> None:
        self.stage.stop()


class AnswerLengths(OneJudgement):
    """Bob sends four answers drawn from ANSWERS; the check gets only the ciphertexts of his say lines."""

    def __init__(self) -> None:
        self.stage = Stage("classic")
        bob = self.stage.client("bob")
        self.sent = [random.choice(ANSWERS) for _ in range(4)]
        for text in self.sent:
            bob.send(text)
        bob.wait_for(lambda e: isinstance(e, ChatMessage) and len(bob.messages()) == len(self.sent))
        lines = [event.line for event in list(bob.history) if isinstance(event, Wire) and event.direction == "sent"]
        self.tokens = [json.loads(line)["ciphertext"] for line in lines if b'"type": "say"' in line]

    def answer_tokens(self) -> dict[str, Any]:
        """Return the candidates everyone knows and the ciphertexts the network carried."""
        return {"candidates": ANSWERS, "tokens": self.tokens}

    def answer_judge(self, guesses: list[str]) -> bool:
        """Say whether the guesses are Bob's answers, in order."""
        self.judge_once()
        return guesses == self.sent

    def stop(self) -> None:
        self.stage.stop()
