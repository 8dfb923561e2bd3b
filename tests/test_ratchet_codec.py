"""The ratchet codec with no sockets and no threads: sessions fed plain lines by a room in memory.

The room below does what the server does for the ratchet mode, in a few lines: it numbers and relays changes,
passes direct lines to one member, knocks when a newcomer joins a room whose group exists, and relays messages.
"""

from collections import deque
from pathlib import Path

from chatkit import protocol
from chatkit.client.events import ChatMessage, Event, GroupChanged, Problem
from chatkit.client.keystore import KeyStore
from chatkit.client.ratchet_codec import RatchetCodec
from chatkit.client.session import ClientSession
from chatkit.crypto import group_state, signing
from chatkit.crypto.group_state import GroupState
from chatkit.protocol import Frame, b64


class Room:
    """Members' sessions and the lines on their way to each, delivered in order by run()."""

    def __init__(self) -> None:
        self.sessions: dict[str, ClientSession] = {}
        self.queues: dict[str, deque[bytes]] = {}
        self.events: dict[str, list[Event]] = {}
        self.head: dict[str, object] | None = None
        self.ids = 0

    def join(self, name: str, store: KeyStore) -> ClientSession:
        session = ClientSession(name, "lab", RatchetCodec(signing.new_identity(), store))
        hello = session.hello()
        self.sessions[name], self.queues[name], self.events[name] = session, deque(), []
        joined: Frame = {"type": "joined", "room": "lab"} | ({} if self.head is None else {"head": self.head})
        self.deliver(name, joined)
        if self.head is not None:
            knock = {"type": "knock", "room": "lab", "name": name, "pubkey": hello["pubkey"]}
            for other in self.sessions:
                if other != name:
                    self.deliver(other, {**knock, "present": sorted(self.sessions)})
        return session

    def deliver(self, name: str, frame: Frame) -> None:
        self.queues[name].append(protocol.encode(frame))

    def send(self, sender: str, frame: Frame) -> None:
        """What the server does with a line from a member."""
        if frame["type"] == "change":
            self.ids += 1
            self.head = {"epoch": frame["change"]["epoch"], "hash": frame["head"]}
            relayed = {"type": "change", "room": "lab", "id": self.ids, "sender": sender, "change": frame["change"]}
            for name in self.sessions:
                self.deliver(name, relayed)
        elif frame["type"] == "direct":
            body = {"type": "direct", "room": "lab", "from": sender, "kind": frame["kind"], "body": frame["body"]}
            self.deliver(frame["to"], body)
        elif frame["type"] == "say":
            self.ids += 1
            message = {**frame, "type": "message", "id": self.ids, "sender": sender, "time": 1.0, "pubkey": "a2V5"}
            for name in self.sessions:
                self.deliver(name, message)

    def run(self, rounds: int = 200) -> None:
        """Deliver every line, and what the members send back, until nothing is left (bounded)."""
        for _ in range(rounds):
            busy = [name for name, queue in self.queues.items() if queue]
            if not busy:
                return
            for name in busy:
                outcome = self.sessions[name].receive(self.queues[name].popleft())
                self.events[name] += outcome.events
                for frame in outcome.replies:
                    self.send(name, frame)

    def say(self, name: str, text: str) -> None:
        self.send(name, self.sessions[name].say(text))


def texts(room: Room, name: str) -> list[str]:
    return [event.text for event in room.events[name] if isinstance(event, ChatMessage)]


def test_three_sessions_make_a_group_and_chat_with_plain_lines(tmp_path: Path) -> None:
    room = Room()
    for name in ("alice", "bob", "carol"):
        room.join(name, KeyStore(tmp_path / name))
        room.run()
    room.say("carol", "hi both")
    room.run()
    assert texts(room, "alice") == texts(room, "bob") == texts(room, "carol") == ["hi both"]
    groups = [event for event in room.events["alice"] if isinstance(event, GroupChanged)]
    assert [group.members for group in groups] == [("alice",), ("alice", "bob"), ("alice", "bob", "carol")]


def test_a_removed_session_opens_nothing_new_and_the_rest_go_on(tmp_path: Path) -> None:
    room = Room()
    for name in ("alice", "bob", "carol"):
        room.join(name, KeyStore(tmp_path / name))
        room.run()
    codec = room.sessions["alice"].codec
    assert isinstance(codec, RatchetCodec)
    for frame in room.sessions["alice"].ratchet_outcome(codec.remove("carol")).replies:
        room.send("alice", frame)
    room.run()
    room.say("bob", "carol is gone")
    room.run()
    assert texts(room, "alice") == ["carol is gone"] and texts(room, "carol") == []
    state = codec.group.state
    assert state is not None and state.names == ("alice", "bob") and b64(state.hash)


def test_a_change_made_on_another_state_at_our_epoch_is_reported_as_a_fork(tmp_path: Path) -> None:
    room = Room()
    for name in ("alice", "bob"):
        room.join(name, KeyStore(tmp_path / name))
        room.run()
    codec = room.sessions["alice"].codec
    assert isinstance(codec, RatchetCodec) and codec.group.state is not None
    other = GroupState("lab", 1, codec.group.state.members, bytes(32))  # a state at our epoch that we never had
    forked = group_state.make_change(codec.identity, "alice", other, "remove", "bob", codec.group.state.members[1][1])
    line = {"type": "change", "room": "lab", "id": 99, "sender": "alice", "change": forked}
    events = room.sessions["bob"].receive(protocol.encode(line)).events
    fork = [event for event in events if isinstance(event, Problem)]
    assert fork and fork[0].code == "fork" and "epoch 1" in fork[0].text and "alice, bob" in fork[0].text
