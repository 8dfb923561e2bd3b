"""What a patient attacker keeps of a ratchet-mode chat: every line a relay saw, sorted out (notebook 13).

"Record now, decrypt later": nobody can open these lines today, but they cost nothing to keep. This module only
sorts what was recorded; opening it is the attacker's work (the notebook, and its exercise).

    recording = Recording(relay.captured)      # after the chat, from a relay every member connected through
    recording.identity_keys                    # name -> identity key (public: from each hello)
    recording.exchanges                        # every hybrid exchange: who started it, offer, answer, finish
    recording.envelopes                        # every envelope, with who sent it to whom
    recording.messages                         # every chat message, once each, in the server's order
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chatkit.lab.relay import TO_CLIENT, TO_SERVER, Captured
from chatkit.protocol import Frame, unb64


@dataclass(frozen=True)
class Direct:
    """One pairwise line as it reached its member: from whom, to whom, in which room, its kind, body and size."""

    sender: str
    to: str
    room: str
    kind: str  # "welcome", "offer", "answer", "finish" or "envelope"
    body: dict[str, Any]
    size: int  # bytes on the wire, newline included


@dataclass(frozen=True)
class Exchange:
    """One recorded hybrid exchange: the initiator's offer, the responder's answer, the initiator's finish."""

    offer: Direct
    answer: Direct
    finish: Direct | None

    @property
    def names(self) -> tuple[str, str]:
        """The initiator and the responder, in the transcript's order."""
        return self.offer.sender, self.offer.to

    @property
    def session(self) -> str:
        return str(self.offer.body["session"])

    @property
    def pq(self) -> bool:
        """Whether the exchange carried an ML-KEM-768 part (an X25519-only one did not)."""
        return "mlkem" in self.offer.body


class Recording:
    """The lines of a relay's capture, sorted into identity keys, exchanges, envelopes and messages."""

    def __init__(self, captured: Iterable[Captured]) -> None:
        self.identity_keys: dict[str, bytes] = {}
        self.directs: list[Direct] = []
        self._numbered: dict[int, Frame] = {}  # a message reaches every member: keep it once, by the server's id
        self._owners: dict[int, str] = {}  # relay connection -> the name its hello gave
        for seen in captured:
            self._file(seen, _frame(seen.line))
        self.messages = [self._numbered[number] for number in sorted(self._numbered)]
        self.envelopes = [line for line in self.directs if line.kind == "envelope"]
        self.exchanges = self._exchanges()

    def _file(self, seen: Captured, frame: dict[str, Any]) -> None:
        """Keep what one line tells: a hello names its connection; a pairwise line or a message is kept."""
        what = (seen.direction, frame.get("type"))
        if what == (TO_SERVER, "hello"):
            self._owners[seen.connection] = frame["name"]
            self.identity_keys[frame["name"]] = unb64(frame, "pubkey")
        elif what == (TO_CLIENT, "direct") and seen.connection in self._owners:
            to, size = self._owners[seen.connection], len(seen.line)
            self.directs.append(Direct(frame["from"], to, frame["room"], frame["kind"], frame["body"], size))
        elif what == (TO_CLIENT, "message"):
            self._numbered.setdefault(frame["id"], frame)

    def _exchanges(self) -> list[Exchange]:
        """Pair each offer with the answer and the finish of its session.

        An exchange that never finished (unanswered, or refused and started again under load) gave no key and
        carries no envelope: it is left out.
        """
        by_session = {(line.kind, str(line.body.get("session"))): line for line in self.directs}
        offers = [line for line in self.directs if line.kind == "offer"]
        return [
            Exchange(offer, by_session[("answer", session)], by_session[("finish", session)])
            for offer in offers
            if {("answer", session := str(offer.body["session"])), ("finish", session)} <= by_session.keys()
        ]


def _frame(line: bytes) -> dict[str, Any]:
    """Read one recorded line as JSON; anything else (or not an object) counts as an empty frame."""
    try:
        frame = json.loads(line)
    except ValueError:
        return {}
    return frame if isinstance(frame, dict) else {}
