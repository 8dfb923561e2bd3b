"""Notebook 15's scene: three members of a counting-nonce room say their first lines; the key stays here."""

import json
import secrets
from typing import Any

from chatkit.client.events import ChatMessage
from chatkit.course.scenes.judging import OneJudgement
from chatkit.lab import TO_CLIENT
from chatkit.lab.nonce_bug import NonceBugStage, say_as_outsider

WAIT_SECONDS = 5.0
PEOPLE = ("alice", "bob", "carol")


class RepeatedNonceRoom(OneJudgement):
    """Alice, Bob and Carol each say a random first line (all under nonce 1); Dave reads; the check forges a line."""

    def __init__(self) -> None:
        self.stage = NonceBugStage()
        self.relay = self.stage.relay()
        self.dave = self.stage.client("dave", via=self.relay)
        self.texts = [f"{name} {secrets.token_hex(4)} at dock {secrets.randbelow(100)}" for name in PEOPLE]
        for name, text in zip(PEOPLE, self.texts, strict=True):
            self.stage.client(name).send(text)
            self.dave.wait_for_message(text, sender=name, timeout=WAIT_SECONDS)
        self.wanted = f"meet {secrets.randbelow(100)} at the gate"

    def answer_captured(self) -> dict[str, Any]:
        """Return the three message lines Dave received, Alice's text (the known one) and the text wanted."""
        lines = [json.loads(seen.line) for seen in self.relay.lines(TO_CLIENT, '"message"')]
        return {"lines": lines, "known": self.texts[0], "wanted": self.wanted}

    def answer_deliver(self, line: dict[str, Any]) -> dict[str, Any]:
        """Say the forged line through the server from an outsider's connection; return what Dave reads, from whom."""
        self.judge_once()
        say_as_outsider(self.stage.address, line)
        got = self.dave.inbox.wait_for(self.is_forged_text, WAIT_SECONDS)
        return {"text": got.text, "sender": got.sender} if isinstance(got, ChatMessage) else {}

    def is_forged_text(self, event: object) -> bool:
        """Return whether an event is the message Dave reads with the wanted text."""
        return isinstance(event, ChatMessage) and event.text == self.wanted

    def stop(self) -> None:
        self.stage.stop()
