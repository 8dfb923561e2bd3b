"""The chat client: connect, say hello, send, and receive on a background thread.

    client = ChatClient("127.0.0.1", port, "alice", "correct horse", mode="sealed", on_event=print)
    client.connect()            # returns once in the first room, or raises Refused ('wrong_password', ...)
    client.send("hello")
    client.close()              # connect() again later opens a new connection for the same person

In the ratchet mode (mode="ratchet", no password: pass ""), the members make the room's group themselves:
`client.wait_for_group({"alice", "bob"})`, `client.remove("bob")`, `client.update()`, `client.group`.

This is the thin, threaded part. What each message means lives in session.py (no sockets, no threads); the
socket and its receiver thread live in connection.py. The client hands each line that arrives to the session
and carries out what it says: frames to send back, a request answered, events to report.
"""

import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from chatkit import protocol
from chatkit.client.codec import Codec, make_codec
from chatkit.client.connection import CannotConnect, Connection
from chatkit.client.events import Closed, Event
from chatkit.client.group_calls import GroupCalls
from chatkit.client.identities import Identities
from chatkit.client.inbox import Inbox
from chatkit.client.keystore import KeyStore
from chatkit.client.room_pins import RoomPins
from chatkit.client.session import ClientSession
from chatkit.client.waits import WAIT_SECONDS, EventWaits
from chatkit.crypto import signing
from chatkit.protocol import ChatError, Frame, Refused

__all__ = ["CannotConnect", "ChatClient"]


class ChatClient(EventWaits, GroupCalls):
    """One person's connection to a chat server (in the ratchet mode, also its group: group_calls.py)."""

    live: ClassVar[weakref.WeakSet["ChatClient"]] = weakref.WeakSet()  # every client with a connection open

    def __init__(
        self,
        host: str,
        port: int,
        name: str,
        password: str,
        room: str = "general",
        mode: str = "sealed",
        *,
        iterations: int | None = None,
        identity: signing.Identity | None = None,
        keys: KeyStore | str | Path | None = None,
        on_event: Callable[[Event], None] | None = None,
        despite_check: bool = False,
        room_pins: RoomPins | None = None,
    ) -> None:
        self.host, self.port, self.name = host, port, name
        store = (
            KeyStore.for_person(name, keys) if mode in ("sealed", "ratchet") else None
        )  # its folder: keys, $CHATKIT_KEYS or ~
        # iterations=None: rooms we create use Argon2id (OWASP); a number asks for cheap PBKDF2 (tests, notebooks).
        # The room parameters we pin live beside our other pins, in the key store (room_pins= to choose otherwise).
        pins = room_pins or RoomPins(f"{host}:{port}", None if store is None else store.folder)
        codec = make_codec(
            mode, password, iterations, identity, store=store, room_pins=pins, despite_check=despite_check
        )
        self.session = ClientSession(name, room, codec)
        self.inbox = Inbox([on_event] if on_event else [])
        self.listeners = self.inbox.listeners  # append a callback to hear about every event as it happens
        self.history = self.inbox.history  # every event so far, oldest first (bounded)
        self._lock = threading.Lock()  # the receiver thread and the caller share the session and the answer
        self._answered = threading.Event()  # set when the hello or join we wait for has its answer, or at the end
        self._refusal: Refused | None = None  # that answer, when it was no
        self._connection: Connection | None = None

    @property
    def codec(self) -> Codec:
        """The mode's codec: what seals and opens messages."""
        return self.session.codec

    @codec.setter
    def codec(self, codec: Codec) -> None:  # lab/variants.py swaps in a weakened one before connecting
        self.session.codec = codec

    @property
    def mode(self) -> str:
        return self.session.codec.mode

    @property
    def room(self) -> str:
        return self.session.room

    @property
    def connected(self) -> bool:
        connection = self._connection
        return connection is not None and not connection.ended.is_set()

    def __repr__(self) -> str:
        return f"<ChatClient {self.name} in {self.room} ({self.mode}), {'connected' if self.connected else 'closed'}>"

    def __enter__(self) -> "ChatClient":
        return self.connect()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- connecting and leaving ---

    def connect(self) -> "ChatClient":
        """Connect, say hello and wait until the server has put us in our room (again, after a lost connection)."""
        if self.connected:
            return self
        self.close()  # let go of a connection that was lost
        self._connection = Connection.open(self.host, self.port, self._handle_line, self._report, self.name)
        ChatClient.live.add(self)
        try:
            self._request(self.session.hello, "connecting")
        except ChatError:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Say goodbye, close the socket and wait for the receiver thread. Safe to call twice."""
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
        ChatClient.live.discard(self)

    @classmethod
    def close_all(cls) -> None:
        """Close every client this Python process opened (what a notebook's first cell calls on a re-run)."""
        for client in list(cls.live):
            client.close()

    # --- what a person does ---

    def send(self, text: str) -> None:
        """Encrypt and send a chat message to the current room (once a join under way is answered)."""
        if self.connected and not self._answered.wait(WAIT_SECONDS):
            raise ChatError(f"{self.name}: not sent: the server has not answered our last request")
        with self._lock:
            frame = self.session.say(text)
        self._send(frame)

    def join(self, room: str) -> None:
        """Move to another room and wait until the server confirms; raise Refused if it says no."""
        self._request(lambda: self.session.join(room), f"joining {room}")

    def ask_rooms(self) -> None:
        """Ask which rooms exist (the answer arrives as a RoomList event)."""
        self._send({"type": "rooms"})

    def ask_who(self) -> None:
        """Ask who is in this room (the answer arrives as a Members event)."""
        self._send({"type": "who"})

    # --- identities (sealed mode): who is who, checked once by comparing safety numbers ---

    def accept_key(self, name: str) -> None:
        """Accept the new identity key `name` came with; their held-back messages are then checked with it."""
        with self._lock:
            outcome = self.session.accept_key(name)
        for event in outcome.events:
            self._report(event)

    def safety_number(self, name: str) -> str:
        """Return the 60 digits to compare with `name` (the same on both sides as long as neither key changes)."""
        return self._identities().safety_number(name, self.name)

    def mark_verified(self, name: str) -> None:
        """Record that the safety numbers with `name` were compared and matched."""
        self._identities().mark_verified(name, self.name)

    def is_verified(self, name: str) -> bool:
        """Return whether the key pinned for `name` was verified."""
        return self._identities().is_verified(name, self.name)

    def _identities(self) -> Identities:
        identities = getattr(self.codec, "identities", None)
        if not isinstance(identities, Identities):
            raise ChatError(f"the {self.mode} mode has no identity keys: safety numbers are a sealed-mode idea")
        return identities

    def send_line(self, line: bytes) -> None:
        """Send raw bytes as they are: for the attack notebooks, which craft lines by hand."""
        connection = self._connection
        if connection is None:
            raise ChatError(f"{self.name} is not connected")
        try:
            connection.send_line(line)
        except ChatError as error:
            raise ChatError(f"{self.name}: {error}") from None

    # --- the thin part: carry out what the session says ---

    def _send(self, frame: Frame) -> None:
        """Encode a message and send the whole line."""
        self.send_line(protocol.encode(frame))

    def _request(self, make_frame: Callable[[], Frame], doing: str) -> None:
        """Send a hello or a join and wait for the server's answer; raise Refused if it is no."""
        with self._lock:
            frame = make_frame()
            self._answered.clear()
            self._refusal = None
        connection = self._connection
        self._send(frame)
        self._check_answer(self._answered.wait(WAIT_SECONDS), connection, doing)

    def _check_answer(self, answered: bool, connection: Connection | None, doing: str) -> None:
        """Raise the refusal the answer carried, or ChatError (and close) if no answer came."""
        with self._lock:
            refusal, self._refusal = self._refusal, None
        if refusal is not None:
            raise Refused(refusal.code, f"{self.name}: {doing} failed: {refusal.text}")
        if answered and self.connected:
            return
        ended = connection is not None and connection.ended.is_set()
        why = connection.end_reason if connection is not None and ended else "no answer from the server"
        self.close()
        raise ChatError(f"{self.name}: {doing} failed: {why}")

    def _handle_line(self, line: bytes) -> bool:
        """Let the session react to a line (on the receiver thread); send its replies; return True to hang up."""
        with self._lock:
            outcome = self.session.receive(line)
        for frame in outcome.replies:
            self._send(frame)
        if outcome.answered:
            with self._lock:
                self._refusal = outcome.refusal
        if outcome.answered and not outcome.hang_up:  # after a hang-up, the Closed event wakes the waiter
            self._answered.set()
        for event in outcome.events:
            self._report(event)
        return outcome.hang_up

    def _report(self, event: Event) -> None:
        """Put an event in the inbox; the end of the connection then wakes anyone waiting for an answer."""
        self.inbox.put(event)
        if isinstance(event, Closed):
            self._answered.set()
