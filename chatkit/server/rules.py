"""What a server mode decides: who may join, what a room announces, what is stored and what is relayed.

The modes differ only here (classic.py, sealed.py and ratchet.py: `ClassicRules`, `SealedRules`, `RatchetRules`), so
students can read them side by side: the rest of the server (sockets, threads, rooms, delivery) is the same for all.
The ratchet mode adds two requests, group changes and lines for one member, which the hub routes (hub.py). A rule
that says no raises `chatkit.protocol.Refused` with a code from `REFUSALS`.
"""

from typing import Protocol

from chatkit.protocol import Frame
from chatkit.server.classic import ClassicRules
from chatkit.server.member import Member
from chatkit.server.ratchet import RatchetRules
from chatkit.server.sealed import SealedRules
from chatkit.storage import ChatLog, RoomRecord


class Rules(Protocol):
    """The interface both modes implement."""

    name: str  # the mode's name: 'classic', 'sealed' or 'ratchet' (what ChatServer.mode and the client's mode say)

    def use_log(self, log: ChatLog) -> None:
        """Keep what the mode must remember across restarts (the sealed mode's high-water marks) in the log."""

    def check_hello(self, member: Member, hello: Frame) -> None:
        """Accept a newcomer, or raise Refused."""

    def joined(self, record: RoomRecord) -> Frame:
        """Return the fields of the 'joined' message for a room."""

    def accept(self, member: Member, say: Frame) -> tuple[str, Frame]:
        """Turn a 'say' message into (what to store, the fields to relay), or raise Refused."""


def make_rules(mode: str, password: str | None, padding_oracle: bool) -> Rules:
    """Build a mode's rules: classic needs the room password (the server knows it), sealed and ratchet must not."""
    if mode == "classic":
        if not password:
            raise ValueError("classic mode needs the room password: in the original design the server knows it")
        return ClassicRules(password, padding_oracle)
    if mode == "sealed":
        if password or padding_oracle:
            raise ValueError("sealed mode takes no password and no padding oracle: the server holds no key")
        return SealedRules()
    if mode == "ratchet":
        if password or padding_oracle:
            raise ValueError("ratchet mode takes no password and no padding oracle: the server holds no key")
        return RatchetRules()
    raise ValueError(f"mode should be 'classic', 'sealed' or 'ratchet', got {mode!r}")
