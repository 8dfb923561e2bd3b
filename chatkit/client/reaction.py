"""What a ratchet-mode line leads to on the client: events to report, lines to send, held messages to retry."""

from dataclasses import dataclass

from chatkit.client.events import Event
from chatkit.protocol import Frame


@dataclass(frozen=True)
class Reaction:
    """The result of one group change, pairwise line or knock (the session turns it into an Outcome)."""

    events: tuple[Event, ...] = ()
    sends: tuple[Frame, ...] = ()
    released: bool = False  # a sender key arrived: messages held for one may open now

    def __add__(self, other: "Reaction") -> "Reaction":
        return Reaction(self.events + other.events, self.sends + other.sends, self.released or other.released)
