"""Notebook 17, exercises: tell two behaviours apart from captured traffic, write the test that proves a fix, fix.

Use chatkit.lab.hostile (malicious), chatkit.client.events (Problem) and chatkit.client.freshness.
"""

import base64  # noqa: F401 (your solution uses it)

from chatkit.client.events import Problem
from chatkit.client.freshness import Verdict, arrival_warnings  # noqa: F401 (your solution uses them)
from chatkit.lab.flaws import SilentGap
from chatkit.lab.hostile import malicious  # noqa: F401 (your solution uses it)
from chatkit.lab.variants import CapstoneStage
from chatkit.protocol import Frame
from chatkit.server.member import Member  # noqa: F401 (your solution uses it)

TAG_BYTES = 16  # what AES-GCM adds to every ciphertext
BUCKET_BYTES = 32  # what the kit's padding rounds a text up to


def leaks_lengths(says: list[Frame]) -> bool:
    """Return True if captured 'say' frames give text lengths away (no padding), False if each fills whole buckets."""
    # BEGIN SOLUTION
    sizes = [len(base64.b64decode(frame["ciphertext"])) - TAG_BYTES for frame in says]
    return any(size % BUCKET_BYTES for size in sizes)
    # END SOLUTION


def gap_reported(stage: CapstoneStage) -> bool:
    """On `stage`, let the server drop alice's second message to bob; return True if bob is told one is missing."""
    # BEGIN SOLUTION
    alice, bob = stage.client("alice"), stage.client("bob")

    def drop_the_second(frame: Frame, member: Member) -> Frame | None:
        second = frame["type"] == "message" and frame.get("counter") == 2
        return None if member.name == "bob" and second else frame

    with malicious(stage, drop_the_second):
        for text in ("one", "two", "three"):
            alice.send(text)
        bob.wait_for_message("three")
    alice.send("over")  # everything before it has reached bob, warnings included
    bob.wait_for_message("over")
    return any(isinstance(event, Problem) and event.code == "gap" for event in list(bob.history))
    # END SOLUTION


class PatchedCodec(SilentGap):
    """The variant's client with the gap warning put back: the blue team's fix."""

    def arrival_warnings(self, sender: str, verdict: Verdict) -> tuple[Problem, ...]:
        """Warn of skipped numbers (a gap) and of a message that came after later ones."""
        # BEGIN SOLUTION
        return arrival_warnings(sender, verdict)
        # END SOLUTION
