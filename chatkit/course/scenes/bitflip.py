"""Notebook 05's scenes: change what a CBC ciphertext says without the key, on a token and on a live relay."""

import os
import random
import time
from typing import Any

from chatkit.client.events import ChatMessage
from chatkit.course.scenes.judging import OneJudgement
from chatkit.crypto import CannotDecrypt, classic
from chatkit.lab import TO_SERVER, Captured, Relay, Stage

WAIT_SECONDS = 5.0


def two_amounts() -> tuple[str, str]:
    """Return two random two-digit amounts: the one in the message, and the one the attacker wants there."""
    return str(random.randint(10, 99)), str(random.randint(10, 99))


class BitflipToken(OneJudgement):
    """A token of 'pay NN euros to carol, ok' under a random key that stays here."""

    def __init__(self) -> None:
        self.key = os.urandom(32)
        self.amount, self.wanted = two_amounts()
        self.token = classic.encrypt(self.key, f"pay {self.amount} euros to carol, ok")

    def answer_token(self) -> dict[str, str]:
        """Return the token, the amount it says and the amount wanted."""
        return {"token": self.token, "amount": self.amount, "wanted": self.wanted}

    def answer_judge(self, forged: str) -> dict[str, bool]:
        """Say whether the forged token says the wanted amount, and whether its blocks after the IV are untouched."""
        self.judge_once()
        try:
            says = classic.decrypt(self.key, forged)
        except CannotDecrypt:
            says = None
        return {
            "says_wanted": says == f"pay {self.wanted} euros to carol, ok",
            "same_blocks": forged[24:] == self.token[24:],
        }


class BitflipInFlight(OneJudgement):
    """Alice says 'pay NN to carol' through a relay that holds her line back; the check hands it a changed one."""

    def __init__(self) -> None:
        self.stage = Stage("classic")
        self.relay = self.stage.relay()
        self.relay.tamper = self.hold_say
        self.amount, self.wanted = two_amounts()
        self.alice, self.bob = self.stage.client("alice", via=self.relay), self.stage.client("bob")
        self.alice.send(f"pay {self.amount} to carol")
        self.held = first_say(self.relay)

    def hold_say(self, seen: Captured) -> bytes | None:
        """Drop Alice's say lines (the check gets them instead); pass everything else on."""
        return None if seen.direction == TO_SERVER and b'"type": "say"' in seen.line else seen.line

    def answer_captured(self) -> dict[str, Any]:
        """Return Alice's held-back say line, the amount it says and the amount wanted."""
        return {"line": self.held.line.decode("latin-1"), "amount": self.amount, "wanted": self.wanted}

    def answer_deliver(self, line: str) -> str | None:
        """Send the changed line on to the server as Alice's, and return the text Bob reads (None if nothing)."""
        self.judge_once()
        self.relay.inject(self.held.connection, TO_SERVER, line.encode("latin-1"))
        got = self.bob.inbox.wait_for(lambda e: isinstance(e, ChatMessage) and e.sender == "alice", WAIT_SECONDS)
        return got.text if isinstance(got, ChatMessage) else None

    def stop(self) -> None:
        self.stage.stop()


def first_say(relay: Relay) -> Captured:
    """Wait (bounded) for the first say line to reach the relay on its way to the server."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        said = relay.lines(TO_SERVER, '"say"')
        if said:
            return said[0]
        time.sleep(0.01)
    raise TimeoutError(f"no say line reached the relay within {WAIT_SECONDS} s")
