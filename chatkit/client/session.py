"""What a client does with each message from the server, and what it sends. Pure: no sockets, no threads.

The session knows the person's name, their room and their mode's codec. It builds the frames to send (`hello`,
`say`, `join`) and turns each line that arrives into an `Outcome`: the events to report, the frames to send back
(sealed mode's room check), and whether the request we wait for (a hello or a join) got its answer. The threaded
`ChatClient` feeds it lines and carries out what it returns, so everything here is tested with plain bytes:

>>> from chatkit.client.codec import ClassicCodec
>>> session = ClientSession("alice", "general", ClassicCodec("correct horse"))
>>> session.hello()["type"]
'hello'
>>> session.receive(b'{"type": "joined", "room": "general"}\\n').events
(Joined(room='general'),)
>>> refused = session.receive(b'{"type": "error", "code": "name_taken", "text": "alice is taken"}\\n')
>>> refused.events[0].code, refused.refusal is None          # not waiting for an answer: only reported
('name_taken', True)
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from chatkit import protocol
from chatkit.client.codec import Codec
from chatkit.client.events import ChatMessage, Event, Joined, Members, Notice, Problem, RoomList
from chatkit.protocol import ChatError, Frame, ProtocolError, Refused


@dataclass(frozen=True)
class Outcome:
    """What one line from the server led to."""

    events: tuple[Event, ...] = ()  # to report, in this order
    replies: tuple[Frame, ...] = ()  # to send back to the server
    answered: bool = False  # the hello or join we were waiting for has its answer (joined, or refused)
    refusal: Refused | None = None  # that answer was no, and why
    hang_up: bool = False  # close the connection: we will not stay (e.g. the room's passphrase is not ours)


class ClientSession:
    """One person's side of the conversation with a server, as plain data in and out."""

    def __init__(self, name: str, room: str, codec: Codec) -> None:
        self.name, self.room, self.codec = name, room, codec
        self.waiting = False  # a hello or a join was sent and the server has not answered it yet

    def hello(self) -> Frame:
        """Return the greeting, which asks for our first room."""
        self.waiting = True
        return {"type": "hello", "name": self.name, "room": self.room, **self.codec.hello_fields(self.name)}

    def say(self, text: str) -> Frame:
        """Return a chat message for our room, sealed by the codec; raise ChatError for an empty or long text."""
        if not text or len(text) > protocol.MAX_TEXT_CHARS:
            raise ChatError(f"a message should have 1 to {protocol.MAX_TEXT_CHARS} characters, not {len(text)}")
        return self.codec.seal(text, self.room, self.name)

    def join(self, room: str) -> Frame:
        """Return the request to move to another room; raise ProtocolError for a name the server would refuse."""
        protocol.check_name(room, "room")
        self.waiting = True
        return {"type": "join", "room": room}

    def receive(self, line: bytes) -> Outcome:
        """Say what one line from the server means; a line that is not a message is reported, never raised."""
        try:
            frame = protocol.decode(line)
            react = REACTIONS.get(frame["type"])
            return Outcome() if react is None else react(self, frame, line)
        except ProtocolError as error:
            return Outcome((Problem("malformed", f"the server sent a line that is not a message: {error}", line),))

    # --- one reaction per kind of message from the server ---

    def _on_message(self, frame: Frame, line: bytes) -> Outcome:
        try:
            opened = self.codec.open(frame, self.name)
        except Refused as refusal:  # it did not decrypt, or it is a replay: the person sees why, not the text
            return Outcome((Problem(refusal.code, refusal.text, line),))
        message = ChatMessage(
            room=frame["room"],
            sender=frame["sender"],
            text=opened.text,
            time=frame["time"],
            ciphertext=frame["ciphertext"],
            line=line,
            own=frame["sender"] == self.name,
            id=frame["id"],
        )
        warnings = () if opened.warning is None else (replace(opened.warning, line=line),)
        return Outcome((*warnings, message))

    def _on_joined(self, frame: Frame, line: bytes) -> Outcome:
        self.waiting = False
        try:
            joining = self.codec.on_joined(frame, self.name)
        except Refused as refusal:
            return Outcome((Problem(refusal.code, refusal.text, line),), answered=True, refusal=refusal, hang_up=True)
        self.room = frame["room"]
        warnings = () if joining.warning is None else (replace(joining.warning, line=line),)
        if joining.reply is not None:  # we created the room: the server's next 'joined' says what it stored
            self.waiting = True
            return Outcome(warnings, (joining.reply,))
        return Outcome((*warnings, Joined(self.room)), answered=True)

    def _on_error(self, frame: Frame, line: bytes) -> Outcome:
        problem = Problem(frame["code"], frame["text"], line)
        if not self.waiting:  # a refusal of something we do not wait for (a message, say): report it
            return Outcome((problem,))
        self.waiting = False  # the server answers in order: this is its answer to our hello or join
        return Outcome((problem,), answered=True, refusal=Refused.from_frame(frame))

    def _on_notice(self, frame: Frame, line: bytes) -> Outcome:
        return Outcome((Notice(frame["text"]),))

    def _on_room_list(self, frame: Frame, line: bytes) -> Outcome:
        entries = frame["rooms"]
        if not all(isinstance(e, dict) and isinstance(e.get("room"), str) for e in entries):
            raise ProtocolError("a 'room_list' should list objects with a 'room' and its 'members'")
        return Outcome((RoomList({entry["room"]: entry.get("members", 0) for entry in entries}),))

    def _on_members(self, frame: Frame, line: bytes) -> Outcome:
        return Outcome((Members(frame["room"], [str(name) for name in frame["names"]]),))


# What the client does with each kind of message; any other kind ('welcome', say) needs nothing.
REACTIONS: dict[str, Callable[[ClientSession, Frame, bytes], Outcome]] = {
    "message": ClientSession._on_message,
    "joined": ClientSession._on_joined,
    "error": ClientSession._on_error,
    "notice": ClientSession._on_notice,
    "room_list": ClientSession._on_room_list,
    "members": ClientSession._on_members,
}
