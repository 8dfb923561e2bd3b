"""The scenes a referee can run (chatkit.course.referee): each holds a secret and answers with what is captured.

A scene's `answer_<request>` methods are the only questions it answers; arguments and answers are JSON values.
"""

import secrets

from chatkit.client.events import Wire
from chatkit.lab import Stage


class ClassicPassword:
    """Notebook 04: a classic stage whose password is drawn from `words` (or a random passphrase); one judgement."""

    def __init__(self, words: list[str] | None = None) -> None:
        self.stage = Stage("classic", password=secrets.choice(words) if words else None)
        self.judged = False

    def answer_ready(self) -> bool:
        """Say the stage is up."""
        return True

    def answer_hello(self, name: str) -> str:
        """Connect `name` and return their hello line, the very bytes an eavesdropper on the network sees."""
        client = self.stage.client(name)
        sent = [event.line for event in list(client.history) if isinstance(event, Wire) and event.direction == "sent"]
        return next(line for line in sent if b'"type": "hello"' in line).decode()

    def answer_judge(self, guess: object) -> bool:
        """Say whether `guess` is the password: once only, so the judge cannot be used to try every word."""
        if self.judged:
            raise ValueError("this referee judges one answer only")
        self.judged = True
        return guess == self.stage.password

    def stop(self) -> None:
        """Stop the stage."""
        self.stage.stop()


SCENES = {"classic_password": ClassicPassword}
