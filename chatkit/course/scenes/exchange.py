"""Notebook 10's scene: Alice and Bob meet without signed keys, through a relay the check runs (Mallory's)."""

import secrets
from types import SimpleNamespace
from typing import Any, cast

from chatkit.course.scenes.judging import OneJudgement
from chatkit.lab.handshake import Meeting, Person
from chatkit.lab.relay import Relay


class UnsignedMeeting(OneJudgement):
    """Bob listens here; Alice connects through the check's relay and sends random texts that stay here."""

    def __init__(self) -> None:
        self.meeting = Meeting()
        self.texts = [f"secret {secrets.token_hex(4)}" for _ in range(3)]

    def answer_address(self) -> list[Any]:
        """Return where Bob listens, for the check's relay to forward to."""
        return list(self.meeting.address)

    def answer_meet(self, host: str, port: int) -> dict[str, bool]:
        """Run the exchange through the relay at (host, port); say whether Bob noticed and the safety numbers differ."""
        relay = cast(Relay, SimpleNamespace(address=(host, port)))  # the real relay runs in the check's process
        alice, bob = self.meeting.run(Person("alice"), Person("bob"), self.texts, via=relay)
        return {
            "bob_read_everything": bob.received == self.texts and not bob.error,
            "safety_numbers_differ": alice.safety_number != bob.safety_number,
        }

    def answer_judge(self, read: list[str]) -> bool:
        """Say whether Mallory read every text, in order."""
        self.judge_once()
        return read == self.texts

    def stop(self) -> None:
        self.meeting.close()
