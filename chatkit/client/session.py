"""What a client does with each message from the server, and what it sends. Pure: no sockets, no threads.

The session knows the person's name, their room and their mode's codec. It builds the frames to send (`hello`,
`say`, `join`) and turns each line that arrives into an `Outcome`: the events to report, the frames to send back
(sealed mode's room check), and whether the request we wait for (a hello or a join) got its answer. Every line is
checked first (checks.py) and a line that cannot be acted on becomes a Problem: nothing from the server can raise
out of `receive`, move us to a room we did not ask for, or change a room's salt under us. A sealed message whose
sender came with another identity key than their pin is held back here until `accept_key`. What the server's key
log proves (S16: our own key, each sender's, every new head) is checked by key_log_check.py. The threaded
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
from chatkit.client.checks import check_from_server, check_joined_answers
from chatkit.client.codec import Codec
from chatkit.client.events import ChatMessage, Event, Joined, Members, Notice, Problem, RoomList
from chatkit.client.key_log_check import KeyLogCheck
from chatkit.client.names import look_alikes
from chatkit.client.ratchet_codec import RatchetCodec
from chatkit.client.reaction import Reaction
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
        self.asked = room  # the room that hello or join asked for: the only one a 'joined' may put us in
        self.held: dict[str, list[tuple[Frame, bytes]]] = {}  # sender -> messages held back (their key changed)
        self.key_log = KeyLogCheck()  # what the server's key log proved to us (S16)
        self.own_key: str | None = None  # our identity key as the hello sent it, in modes that have one
        self.unopened: dict[str, list[tuple[Frame, bytes]]] = {}  # ratchet mode: sender -> signed messages whose
        # sender key has not arrived yet (per sender, so one sender's lines push out no one else's)

    def hello(self) -> Frame:
        """Return the greeting, which asks for our first room."""
        self.waiting, self.asked = True, self.room
        fields = self.codec.hello_fields(self.name)
        self.own_key = fields.get("pubkey")
        return {"type": "hello", "name": self.name, "room": self.room, **fields}

    def say(self, text: str) -> Frame:
        """Return a chat message for our room, sealed by the codec; raise ChatError for an empty or long text."""
        if not text or len(text) > protocol.MAX_TEXT_CHARS:
            raise ChatError(f"a message should have 1 to {protocol.MAX_TEXT_CHARS} characters, not {len(text)}")
        return self.codec.seal(text, self.room, self.name)

    def join(self, room: str) -> Frame:
        """Return the request to move to another room; raise ProtocolError for a name the server would refuse."""
        protocol.check_name(room, "room")
        self.waiting, self.asked = True, room
        return {"type": "join", "room": room}

    def accept_key(self, sender: str) -> Outcome:
        """Pin the new key `sender` came with (the person said so), then open their held-back messages with it."""
        accept = getattr(self.codec, "accept_key", None)
        if accept is None:
            raise ChatError(f"the {self.codec.mode} mode has no identity keys to accept")
        accept(sender, self.name)
        opened = [self._on_message(frame, line) for frame, line in self.held.pop(sender, [])]
        return Outcome(tuple(event for outcome in opened for event in outcome.events))

    def receive(self, line: bytes) -> Outcome:
        """Say what one line from the server means; a line that cannot be acted on is reported, never raised."""
        try:
            frame = protocol.decode(line)
        except ProtocolError as error:
            return Outcome((Problem("malformed", f"the server sent a line that is not a message: {error}", line),))
        waiting = self.waiting  # a handler that fails halfway must not leave our request unanswered
        try:
            check_from_server(frame)
            react = REACTIONS.get(frame["type"])
            return Outcome() if react is None else react(self, frame, line)
        except ProtocolError as error:
            self.waiting = waiting
            return self._dropped(frame, line, f"the server sent a {frame['type']!r} line the client refuses: {error}")
        except Exception as error:  # a bug here must not kill the receiver: say so, drop the line, go on
            self.waiting, kind = waiting, type(error).__name__
            return self._dropped(frame, line, f"the client could not handle a {frame['type']!r} line ({kind})")

    def _dropped(self, frame: Frame, line: bytes, why: str) -> Outcome:
        """Report a line that was dropped; if it was the answer we wait for, the request has failed."""
        problem = Problem("malformed", f"{why}; it was dropped", line)
        if not (self.waiting and frame["type"] in ANSWERS):
            return Outcome((problem,))
        self.waiting = False  # the server answers in order: this broken line was its answer to our hello or join
        return Outcome((problem,), answered=True, refusal=Refused("malformed", problem.text), hang_up=True)

    # --- one reaction per kind of message from the server ---

    def _on_message(self, frame: Frame, line: bytes) -> Outcome:
        try:
            opened = self.codec.open(frame, self.name)
        except Refused as refusal:  # it did not decrypt, or it is a replay: the person sees why, not the text
            if refusal.code == "no_sender_key":  # signed, opened once the key arrives (ratchet mode)
                return self._hold_unopened(frame, line)
            if refusal.code in HELD_BACK:  # signed with a new key: kept until the person accepts it
                held = self.held.setdefault(frame["sender"], [])
                held[:] = [*held, (frame, line)][-MAX_HELD:]
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
        return Outcome((*(replace(w, line=line) for w in opened.warnings), message), self._check_sender_key(frame))

    def _hold_unopened(self, frame: Frame, line: bytes) -> Outcome:
        """Keep a signed message until its sender key arrives; say so if that pushes out the sender's oldest."""
        held = self.unopened.setdefault(frame["sender"], [])
        held.append((frame, line))
        if len(held) <= MAX_HELD:
            return Outcome()
        dropped, _ = held.pop(0)
        text = f"a message from {dropped['sender']} was dropped: its sender key never came and {MAX_HELD} newer wait"
        return Outcome((Problem("no_sender_key", text, line),))

    def _check_sender_key(self, frame: Frame) -> tuple[Frame, ...]:
        """Ask the key log about a sender's key, the first time a message signed with it opens (S16)."""
        if self.own_key is None or "pubkey" not in frame or frame["sender"] == self.name:
            return ()
        return self.key_log.ask(frame["sender"], frame["pubkey"])  # it opened: the attached key is the pinned one

    def _on_welcome(self, frame: Frame, line: bytes) -> Outcome:
        """Ask the key log whether it holds our own key: the server must have published it (S16)."""
        self.key_log.forget_questions()  # a new connection: what we asked on the last one gets no answer
        return Outcome(replies=() if self.own_key is None else self.key_log.ask(self.name, self.own_key))

    def _on_key_log(self, frame: Frame, line: bytes) -> Outcome:
        events, replies = self.key_log.receive(frame)
        return Outcome(tuple(replace(e, line=line) if isinstance(e, Problem) else e for e in events), replies)

    def _on_joined(self, frame: Frame, line: bytes) -> Outcome:
        room = frame["room"]
        if not self.waiting:  # a server must not move anyone: only our own hello or join is answered (S10)
            text = f"the server tried to put you in room {room}, which you did not ask for; you stay in {self.room}"
            return Outcome((Problem("malformed", text, line),))
        self.waiting = False
        try:
            check_joined_answers(frame, self.asked)
            joining = self.codec.on_joined(frame, self.name)
        except (Refused, ProtocolError) as error:
            refusal = error if isinstance(error, Refused) else Refused("malformed", str(error))
            return Outcome((Problem(refusal.code, refusal.text, line),), answered=True, refusal=refusal, hang_up=True)
        self.room = room
        warnings = () if joining.warning is None else (replace(joining.warning, line=line),)
        if joining.reply is not None:  # we created the room: the server's next 'joined' says what it stored
            self.waiting = True
            return Outcome(warnings, (joining.reply,))
        return Outcome((*warnings, Joined(self.room)), joining.sends, answered=True)

    def _on_error(self, frame: Frame, line: bytes) -> Outcome:
        code = frame["code"] if frame["code"] in protocol.REFUSALS else "malformed"
        problem = Problem(code, frame["text"], line)
        if code == "stale_change" and isinstance(self.codec, RatchetCodec):  # made again on the state that won
            return self.ratchet_outcome(self.codec.on_refused(code), line)
        if not self.waiting:  # a refusal of something we do not wait for (a message, say): report it
            return Outcome((problem,))
        self.waiting = False  # the server answers in order: this is its answer to our hello or join
        return Outcome((problem,), answered=True, refusal=Refused.from_frame(frame))

    def _on_notice(self, frame: Frame, line: bytes) -> Outcome:
        return Outcome((Notice(frame["text"]),))

    def _on_room_list(self, frame: Frame, line: bytes) -> Outcome:
        entries = frame["rooms"]  # checked: objects with a room name and a whole number of members
        return Outcome((RoomList({entry["room"]: entry.get("members", 0) for entry in entries}),))

    def _on_members(self, frame: Frame, line: bytes) -> Outcome:
        names = [str(name) for name in frame["names"]]
        alike = [(a, b) for a in names for b in look_alikes(a, names) if a < b]
        flags = (Problem("look_alike", f"{a!r} and {b!r} look alike: check who is who", line) for a, b in alike)
        return Outcome((*flags, Members(frame["room"], names)))

    # --- the ratchet mode's own lines: the codec reacts, then held messages are tried again ---

    def _on_ratchet(self, frame: Frame, line: bytes) -> Outcome:
        if not isinstance(self.codec, RatchetCodec):
            raise ProtocolError(f"a {frame['type']!r} line only exists in the ratchet mode, not in {self.codec.mode}")
        react = {"change": self.codec.on_change, "direct": self.codec.on_direct, "knock": self.codec.on_knock}
        return self.ratchet_outcome(react[frame["type"]](frame, self.name), line)

    def ratchet_outcome(self, reaction: Reaction, line: bytes = b"") -> Outcome:
        """Turn what the ratchet codec did into an Outcome; retry held messages if a sender key arrived."""
        events = tuple(replace(event, line=line) if isinstance(event, Problem) else event for event in reaction.events)
        return self._outcome(reaction, events)

    def _outcome(self, reaction: Reaction, events: tuple[Event, ...]) -> Outcome:
        outcomes: list[Outcome] = []
        if reaction.released:
            waiting, self.unopened = self.unopened, {}
            outcomes = [self._on_message(frame, held) for frames in waiting.values() for frame, held in frames]
        opened = (event for outcome in outcomes for event in outcome.events)
        asks = (reply for outcome in outcomes for reply in outcome.replies)  # the key log's questions (S16)
        return Outcome((*events, *opened), (*reaction.sends, *asks))


HELD_BACK = ("key_changed", "held_back")  # the refusals of a message whose sender's key is not the pinned one
MAX_HELD = 100  # messages held back per sender (the oldest are dropped)
ANSWERS = {"joined", "error"}  # the kinds of line that answer a hello or a join

# What the client does with each kind of message; any other kind needs nothing.
REACTIONS: dict[str, Callable[[ClientSession, Frame, bytes], Outcome]] = {
    "message": ClientSession._on_message,
    "joined": ClientSession._on_joined,
    "error": ClientSession._on_error,
    "notice": ClientSession._on_notice,
    "room_list": ClientSession._on_room_list,
    "members": ClientSession._on_members,
    "welcome": ClientSession._on_welcome,
    "tree_head": ClientSession._on_key_log,
    "key_proof": ClientSession._on_key_log,
    "consistency": ClientSession._on_key_log,
    "change": ClientSession._on_ratchet,
    "direct": ClientSession._on_ratchet,
    "knock": ClientSession._on_ratchet,
}
