"""Notebook 04's scene: a classic room whose password the student must recover from one captured line."""

import secrets

from chatkit.client.events import Wire
from chatkit.course.scenes.judging import OneJudgement
from chatkit.lab import Stage


class ClassicPassword(OneJudgement):
    """Notebook 04: a classic stage whose password is drawn from `words` (or a random passphrase); one judgement."""

    def __init__(self, words: list[str] | None = None) -> None:
        self.stage = Stage("classic", password=secrets.choice(words) if words else None)

    def answer_hello(self, name: str) -> str:
        """Connect `name` and return their hello line, the very bytes an eavesdropper on the network sees."""
        client = self.stage.client(name)
        sent = [event.line for event in list(client.history) if isinstance(event, Wire) and event.direction == "sent"]
        return next(line for line in sent if b'"type": "hello"' in line).decode()

    def answer_judge(self, guess: object) -> bool:
        """Say whether `guess` is the password: once only, so the judge cannot be used to try every word."""
        self.judge_once()
        return guess == self.stage.password

    def stop(self) -> None:
        """Stop the stage."""
        self.stage.stop()
