"""Who is in which room: a plain table. It has no lock of its own: only the hub uses it, always under its lock.

Each room's members are a frozenset that is replaced, never changed, when someone joins or leaves. So a message
can take the room's current members as they are (no copy) and keep them, while people come and go.
"""

from chatkit.server.member import Member

DEFAULT_ROOM = "general"


class Rooms:
    """Rooms and their members, and the names in use (call it under one lock: hub.py does)."""

    def __init__(self) -> None:
        self._members: dict[str, frozenset[Member]] = {DEFAULT_ROOM: frozenset()}
        self._names: set[str] = set()

    def claim_name(self, member: Member, name: str) -> bool:
        """Give a member a name unless someone connected already has it."""
        if name in self._names:
            return False
        self._names.add(name)
        member.name = name
        return True

    def move(self, member: Member, room: str) -> str:
        """Put a member in a room (leaving the one they were in); return the room they left ('' if none)."""
        old = member.room
        if old:
            self._members[old] -= {member}
        self._members[room] = self._members.get(room, frozenset()) | {member}
        member.room = room
        return old

    def remove(self, member: Member) -> None:
        """Forget a member who left."""
        if member.room:
            self._members[member.room] -= {member}
        self._names.discard(member.name)

    def members(self, room: str) -> frozenset[Member]:
        """Return who is in a room right now (a set that never changes: joins and leaves make a new one)."""
        return self._members.get(room, frozenset())

    def roster(self) -> dict[str, list[str]]:
        """Return {room: sorted member names} for every room that exists (general always does)."""
        return {
            room: sorted(m.name for m in members)
            for room, members in sorted(self._members.items())
            if members or room == DEFAULT_ROOM
        }
