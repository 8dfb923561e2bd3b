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
    raise NotImplementedError("your code here: replace this line")


def gap_reported(stage: CapstoneStage) -> bool:
    """On `stage`, let the server drop alice's second message to bob; return True if bob is told one is missing."""
    raise NotImplementedError("your code here: replace this line")


class PatchedCodec(SilentGap):
    """The variant's client with the gap warning put back: the blue team's fix."""

    def arrival_warnings(self, sender: str, verdict: Verdict) -> tuple[Problem, ...]:
        """Warn of skipped numbers (a gap) and of a message that came after later ones."""
        raise NotImplementedError("your code here: replace this line")
