"""Who is in which room. A small, locked table: many member threads read and change it at once."""

import threading
from collections.abc import Callable

from chatkit.server.member import Member

DEFAULT_ROOM = "general"


class Rooms:
    """Rooms and their members; every method takes the lock, so callers never see a half-made change."""

    def __init__(self) -> None:
        self._members: dict[str, set[Member]] = {DEFAULT_ROOM: set()}
        self._names: set[str] = set()
        self.lock = threading.RLock()

    def claim_name(self, member: Member, name: str) -> bool:
        """Give a member a name unless someone connected already has it."""
        with self.lock:
            if name in self._names:
                return False
            self._names.add(name)
            member.name = name
            return True

    def move(self, member: Member, room: str) -> str:
        """Put a member in a room (leaving the one they were in); return the room they left ('' if none)."""
        with self.lock:
            old = member.room
            if old:
                self._members[old].discard(member)
            self._members.setdefault(room, set()).add(member)
            member.room = room
            return old

    def remove(self, member: Member) -> None:
        """Forget a member who left."""
        with self.lock:
            if member.room:
                self._members[member.room].discard(member)
            self._names.discard(member.name)

    def each_in(self, room: str, action: Callable[[Member], object]) -> None:
        """Run a quick, non-blocking action for each member of a room, under the lock, so order is kept."""
        with self.lock:
            for member in list(self._members.get(room, ())):
                action(member)

    def deliver(self, room: str, line: bytes) -> None:
        """Queue a line for everyone in a room, under the lock, so every member gets lines in the same order."""
        with self.lock:
            for member in list(self._members.get(room, ())):  # a plain loop: it runs once per member per message
                member.deliver(line)

    def everyone(self) -> list[Member]:
        """Return every member, in any room."""
        with self.lock:
            return [member for members in self._members.values() for member in members]

    def roster(self) -> dict[str, list[str]]:
        """Return {room: sorted member names} for every room that exists (general always does)."""
        with self.lock:
            return {
                room: sorted(m.name for m in members)
                for room, members in sorted(self._members.items())
                if members or room == DEFAULT_ROOM
            }
