"""The ratchet server's ordering and routing in one thread, in memory: for measuring groups of hundreds.

    relay = MemoryRelay()
    for name in ["alice", "bob", "carol"]:
        relay.join(name)                           # hello, joined, knock, add, sender keys: until all is quiet
    relay.act("alice", relay.codec("alice").remove("carol"))
    relay.sent["envelope"]                         # the envelopes that removal cost

Each member is the real client: a `ClientSession` with a `RatchetCodec` (chatkit/client/), fed the real lines.
The server's side is the real `RatchetRules` (chatkit/server/ratchet.py) with the hub's routing done here: a
`change` to the whole room, a `direct` line to one member, a `knock` to the others when a newcomer arrives.
What differs from a live server: no sockets and no threads (every member's work is done one after the other, so
the time is the sum of all members' work), and each member's pins are kept in memory, not in a file.
"""

import collections
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import cast

from chatkit import protocol
from chatkit.client.ratchet_codec import RatchetCodec
from chatkit.client.reaction import Reaction
from chatkit.client.session import ClientSession
from chatkit.crypto import signing
from chatkit.lab.memory_parts import MemoryKeyStore, Seat
from chatkit.protocol import Frame, Refused
from chatkit.server.member import Member
from chatkit.server.ratchet import RatchetRules, direct_line
from chatkit.storage import RoomRecord

MAX_LINES = 5_000_000  # a bound on one cascade of lines: far above what a change among 300 members takes


class RelayError(Exception):
    """The in-memory relay could not go on (a cascade that does not end, an unknown member)."""


class MemoryRelay:
    """Members as pure sessions, the server as its rules, and a queue of lines between them."""

    def __init__(self, room: str = "general") -> None:
        self.room = room
        self.rules = RatchetRules()
        self.sessions: dict[str, ClientSession] = {}
        self.seats: dict[str, Seat] = {}
        self.queue: collections.deque[tuple[str, bytes]] = collections.deque()  # (to whom, line)
        self.sent: collections.Counter[str] = collections.Counter()  # lines members sent, by type or direct kind
        self.sent_bytes: collections.Counter[str] = collections.Counter()
        self.received_lines = 0  # lines the members received
        self.busy: collections.defaultdict[str, float] = collections.defaultdict(float)  # seconds each member worked
        self._folder = tempfile.TemporaryDirectory(prefix="chatkit-relay-")

    def codec(self, name: str) -> RatchetCodec:
        """Return a member's codec (to ask it to remove someone, to look at its group)."""
        return cast(RatchetCodec, self._session(name).codec)

    def join(self, name: str) -> None:
        """Bring a new member in and run every line it sets off, until the room is quiet."""
        store = MemoryKeyStore(Path(self._folder.name) / name)
        self.sessions[name] = ClientSession(name, self.room, RatchetCodec(signing.new_identity(), store))
        self.seats[name] = Seat(name, self.room)
        self.from_member(name, self.sessions[name].hello())
        self.run()

    def act(self, name: str, reaction: Reaction) -> None:
        """Send what a member's own act (a removal, an update) produced, then run until quiet."""
        for frame in self._session(name).ratchet_outcome(reaction).replies:
            self.from_member(name, frame)
        self.run()

    def say(self, name: str, text: str) -> None:
        """Let a member send a chat message, then run until quiet."""
        self.from_member(name, self._session(name).say(text))
        self.run()

    def leave(self, name: str) -> None:
        """Take a member off the relay (they receive nothing more)."""
        self.sessions.pop(name, None)
        self.seats.pop(name, None)

    def run(self) -> None:
        """Deliver lines until none is left; each member's replies go back to the server side."""
        for _ in range(MAX_LINES):
            if not self.queue:
                return
            name, line = self.queue.popleft()
            if name in self.sessions:
                self._deliver(name, line)
        raise RelayError(f"more than {MAX_LINES} lines in one cascade: the members never went quiet")

    def _deliver(self, name: str, line: bytes) -> None:
        """Hand a line to a member, timing its work, and take its replies."""
        started = time.perf_counter()
        replies = self.sessions[name].receive(line).replies
        self.busy[name] += time.perf_counter() - started
        self.received_lines += 1
        for frame in replies:
            self.from_member(name, frame)

    def from_member(self, name: str, frame: Frame) -> None:
        """Take one line from a member, as the server does: count it, then order, route or relay it."""
        kind = str(frame["kind"] if frame["type"] == "direct" else frame["type"])
        self.sent[kind] += 1
        self.sent_bytes[kind] += len(protocol.encode(frame))
        seat = cast(Member, self.seats[name])  # the rules read only name, room and pubkey
        try:
            self._serve(seat, frame)
        except Refused as refusal:
            self._post([name], {"type": "error", "code": refusal.code, "text": str(refusal)})

    def _serve(self, member: Member, frame: Frame) -> None:
        """Do what the hub does with a member's line in the ratchet mode (other lines are not used here)."""
        serve = {"hello": self._hello, "change": self._change, "direct": self._direct, "say": self._say}.get(
            frame["type"]
        )
        if serve is not None:
            serve(member, frame)

    def _hello(self, member: Member, frame: Frame) -> None:
        """Greet a newcomer, say whether the room has a group, and knock for them if it has."""
        self.rules.check_hello(member, frame)
        head = self.rules.head(self.room)
        self._post([member.name], {"type": "welcome", "name": member.name, "mode": "ratchet"})
        self._post([member.name], {"type": "joined", **self.rules.joined(RoomRecord(self.room))})
        if head is not None:
            self._knock(member, self._others(member.name))

    def _change(self, member: Member, frame: Frame) -> None:
        """Order a change and relay it to the room; after a 'create', knock for everyone who waited."""
        self._post(list(self.seats), self.rules.order(member, frame))
        if frame["change"].get("kind") == "create":
            for name in self._others(member.name):
                self._knock(cast(Member, self.seats[name]), self._others(name))

    def _direct(self, member: Member, frame: Frame) -> None:
        """Pass a line on to the one member it is for."""
        self._post([frame["to"]], direct_line(member, frame))

    def _say(self, member: Member, frame: Frame) -> None:
        """Relay a sealed message to the whole room, the sender too."""
        _, fields = self.rules.accept(member, frame)
        message = {"time": 0.0, **fields, "type": "message", "id": 0, "room": self.room, "sender": member.name}
        self._post(list(self.seats), message)

    def _others(self, name: str) -> list[str]:
        return [other for other in self.seats if other != name]

    def _knock(self, newcomer: Member, others: Iterable[str]) -> None:
        """Tell the others that a newcomer waits to be added."""
        knock = {"type": "knock", "room": self.room, "name": newcomer.name, "pubkey": newcomer.pubkey}
        self._post(list(others), {**knock, "present": sorted(self.seats)})

    def _post(self, names: list[str], frame: Frame) -> None:
        line = protocol.encode(frame)
        self.queue.extend((name, line) for name in names)

    def _session(self, name: str) -> ClientSession:
        if name not in self.sessions:
            raise RelayError(f"{name} is not on the relay: members are {', '.join(self.sessions) or 'none'}")
        return self.sessions[name]

    def close(self) -> None:
        """Remove the members' temporary folders."""
        self._folder.cleanup()
