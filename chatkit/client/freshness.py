"""Freshness on the reader's side: each sender numbers their messages in a room 1, 2, 3 ... (S4).

The reader keeps, on disk in its key store, the highest number accepted from each sender in each room (the mark)
and the numbers below it that never arrived. A number above the mark is new (with a gap if some were skipped); a
number below it is a late message if it was missing, and a replay otherwise, even after a restart. The marks are
kept per sender AND per identity key, and moved only for a message whose signature checked out against the key
pinned for that sender, so nobody else can move them.

>>> import tempfile
>>> from pathlib import Path
>>> marks = Marks(KeyStore(Path(tempfile.mkdtemp()) / "bob"))
>>> [marks.take("general", "alice#k", n).kind.value for n in (1, 2, 5, 3, 3)]
['new', 'new', 'new', 'late', 'replay']
>>> marks.take("general", "alice#k", 7).missing
1
"""

from dataclasses import dataclass
from enum import Enum

from chatkit.client.events import Problem
from chatkit.client.keystore import KeyStore

MAX_MISSING = 1000  # the missing numbers remembered per sender and room (the most recent ones)


class Arrival(Enum):
    """What one sequence number means, next to what was seen before."""

    NEW = "new"  # above the mark
    LATE = "late"  # below the mark, and it was missing: delivered out of order
    REPLAY = "replay"  # seen before: refused


@dataclass(frozen=True)
class Verdict:
    """How a message's number fits: its kind, and how many numbers it skipped (a gap) if it is new."""

    kind: Arrival
    missing: int = 0


class Marks:
    """The high-water marks and missing numbers of one reader, kept in their key store."""

    def __init__(self, store: KeyStore) -> None:
        self.store = store

    def take(self, room: str, sender: str, sequence: int) -> Verdict:
        """Judge a number from `sender` in `room` and remember it, unless it is a replay."""
        mark = self.store.high_water(room, sender)
        missing = set(self.store.missing(room, sender))
        if sequence > mark:
            # On first contact the earlier numbers were sent before we came: not missing, and never accepted later.
            skipped = range(mark + 1, sequence) if mark >= 1 else range(0)
            if len(skipped):
                self._keep_missing(room, sender, missing | set(skipped[-MAX_MISSING:]))
            self.store.advance(room, sender, sequence)
            return Verdict(Arrival.NEW, len(skipped))
        if sequence in missing:
            self._keep_missing(room, sender, missing - {sequence})
            return Verdict(Arrival.LATE)
        return Verdict(Arrival.REPLAY)

    def _keep_missing(self, room: str, sender: str, numbers: set[int]) -> None:
        """Write the missing numbers back, keeping only the most recent ones."""
        self.store.set_missing(room, sender, sorted(numbers)[-MAX_MISSING:])


def arrival_warnings(sender: str, verdict: Verdict) -> tuple[Problem, ...]:
    """Return what to show beside a message that skipped numbers (a gap) or came after later ones (a reorder)."""
    if verdict.kind is Arrival.LATE:
        return (Problem("reorder", f"a message from {sender} arrived out of order, after later ones"),)
    if verdict.missing:
        are = "is" if verdict.missing == 1 else "are"
        s = "" if verdict.missing == 1 else "s"
        return (Problem("gap", f"{verdict.missing} message{s} from {sender} {are} missing"),)
    return ()
