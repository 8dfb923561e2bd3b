"""What a server mode decides: who may join, what a room announces, what is stored and what is relayed.

The two modes differ only here (classic.py and sealed.py), so students can read them side by side: the rest of
the server (sockets, threads, rooms) is the same for both.
"""

from typing import Any, Protocol

from chatkit.server.member import Member
from chatkit.storage import RoomRecord

Fields = dict[str, Any]


class ModeError(ValueError):
    """A request the mode refuses; `code` is what the client's error message carries."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


class Mode(Protocol):
    """The interface both modes implement."""

    name: str

    def make_salt(self) -> bytes | None:
        """Return the salt a new room is created with (None if the mode uses none)."""

    def check_hello(self, member: Member, hello: Fields) -> None:
        """Accept a newcomer, or raise ModeError."""

    def joined(self, record: RoomRecord) -> Fields:
        """Return the fields of the 'joined' message for a room."""

    def accept(self, member: Member, say: Fields) -> tuple[str, Fields]:
        """Turn a 'say' message into (what to store, the fields to relay), or raise ModeError."""
