"""The chat client: connect, say hello, send, and receive on a background thread.

    client = ChatClient("127.0.0.1", port, "alice", "correct horse", mode="sealed", on_event=print)
    client.connect()            # returns once in the first room, or raises ChatError ("wrong password", ...)
    client.send("hello")
    client.close()

Every line that crosses the wire is reported as a Wire event, every decrypted message as a ChatMessage, and
every failure as a Problem: nothing goes wrong silently in a thread nobody sees.
"""

import socket
import threading
import weakref
from collections.abc import Callable
from typing import ClassVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chatkit import protocol
from chatkit.client.codec import ClassicCodec, SealedCodec
from chatkit.client.events import ChatMessage, Closed, Event, Joined, Members, Notice, Problem, RoomList, Wire
from chatkit.client.inbox import Inbox
from chatkit.crypto import CANNOT_DECRYPT, CannotDecrypt, kdf
from chatkit.protocol import Frame, ProtocolError

CONNECT_SECONDS = 10.0


class ChatError(RuntimeError):
    """The client could not do what was asked; the text says what happened."""


class CannotConnect(ChatError):
    """No server answered at the address given."""


class ChatClient:
    """One person's connection to a chat server."""

    running: ClassVar[weakref.WeakSet["ChatClient"]] = weakref.WeakSet()

    def __init__(
        self,
        host: str,
        port: int,
        name: str,
        password: str,
        room: str = "general",
        mode: str = "sealed",
        *,
        iterations: int = kdf.SEALED_ITERATIONS,
        identity: Ed25519PrivateKey | None = None,
        on_event: Callable[[Event], None] | None = None,
    ) -> None:
        self.host, self.port, self.name, self.room = host, port, name, room
        self.codec = make_codec(mode, password, iterations, identity)
        self.inbox = Inbox([on_event] if on_event else [])
        self.listeners = self.inbox.listeners  # append a callback to hear about every event as it happens
        self.history = self.inbox.history  # every event so far, oldest first (bounded)
        self._in_room = threading.Event()
        self._ended = threading.Event()
        self._send_lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._receiver: threading.Thread | None = None

    @property
    def mode(self) -> str:
        return self.codec.mode

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def __repr__(self) -> str:
        return f"<ChatClient {self.name} in {self.room} ({self.mode}), {'connected' if self.connected else 'closed'}>"

    # --- connecting and leaving ---

    def connect(self) -> "ChatClient":
        """Connect, say hello and wait until the server has put us in our first room."""
        if self.connected:
            return self
        self._ended.clear()
        self._in_room.clear()
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=CONNECT_SECONDS)
        except OSError as error:
            raise CannotConnect(f"cannot connect to {self.host}:{self.port}: {error.strerror or error}") from None
        self._sock.settimeout(None)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._receiver = threading.Thread(target=self._receive_forever, name=f"chatkit-client-{self.name}", daemon=True)
        self._receiver.start()
        ChatClient.running.add(self)
        self._send({"type": "hello", "name": self.name, "room": self.room, **self.codec.hello_fields(self.name)})
        self._wait_in_room("connecting")
        return self

    def close(self) -> None:
        """Say goodbye, close the socket and wait for the receiver thread. Safe to call twice."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        try:
            with self._send_lock:
                sock.sendall(protocol.encode({"type": "quit"}))
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # the server is already gone
        if self._receiver is not None and self._receiver is not threading.current_thread():
            self._receiver.join(timeout=5)
        sock.close()
        ChatClient.running.discard(self)

    @classmethod
    def close_all(cls) -> None:
        """Close every client this Python process opened (what a notebook's first cell calls on a re-run)."""
        for client in list(cls.running):
            client.close()

    def __enter__(self) -> "ChatClient":
        return self.connect()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- what a person does ---

    def send(self, text: str) -> None:
        """Encrypt and send a chat message to the current room."""
        if not text or len(text) > protocol.MAX_TEXT_CHARS:
            raise ChatError(f"a message should have 1 to {protocol.MAX_TEXT_CHARS} characters, not {len(text)}")
        self._wait_in_room("sending")
        self._send(self.codec.seal(text, self.room, self.name))

    def join(self, room: str) -> None:
        """Move to another room and wait until the server confirms."""
        protocol.check_name(room, "room")
        self._in_room.clear()
        self._send({"type": "join", "room": room})
        self._wait_in_room(f"joining {room}")

    def ask_rooms(self) -> None:
        """Ask which rooms exist (the answer arrives as a RoomList event)."""
        self._send({"type": "rooms"})

    def ask_who(self) -> None:
        """Ask who is in this room (the answer arrives as a Members event)."""
        self._send({"type": "who"})

    def send_line(self, line: bytes) -> None:
        """Send raw bytes as they are: for the attack notebooks, which craft lines by hand."""
        try:
            with self._send_lock:
                self._require_socket().sendall(line)
        except OSError as error:
            raise ChatError(f"{self.name}: connection lost ({error.strerror or error})") from None
        self._emit(Wire("sent", line))

    # --- waiting for events (tests, notebooks, the terminal client) ---

    def wait_for(self, matches: Callable[[Event], bool], timeout: float = 10.0) -> Event:
        """Return the first event so far or to come that `matches`; raise ChatError after `timeout` seconds."""
        found = self.inbox.wait_for(matches, timeout)
        if found is None:
            raise ChatError(f"{self.name}: no matching event within {timeout} s")
        return found

    def wait_for_message(
        self,
        text: str | None = None,
        *,
        sender: str | None = None,
        containing: str | None = None,
        own: bool | None = None,
        count: int = 1,
        timeout: float = 10.0,
    ) -> ChatMessage:
        """Return the `count`-th chat message so far or to come with this text (or `containing` it), sender, own."""

        def matches(event: Event) -> bool:
            return (
                isinstance(event, ChatMessage)
                and (text is None or event.text == text)
                and (containing is None or containing in event.text)
                and (sender is None or event.sender == sender)
                and (own is None or event.own == own)
            )

        found = self.inbox.wait_for(matches, timeout, count)
        if not isinstance(found, ChatMessage):
            wanted = ", ".join(
                f"{k}={v!r}"
                for k, v in [("text", text), ("sender", sender), ("containing", containing), ("own", own)]
                if v is not None
            )
            raise ChatError(f"{self.name}: message #{count} ({wanted or 'any'}) did not arrive within {timeout} s")
        return found

    def wait_for_problem(self, code: str | None = None, *, count: int = 1, timeout: float = 10.0) -> Problem:
        """Return the `count`-th problem so far or to come with this code (any code if None)."""
        found = self.inbox.wait_for(lambda e: isinstance(e, Problem) and code in (None, e.code), timeout, count)
        if not isinstance(found, Problem):
            raise ChatError(f"{self.name}: no problem {code or ''} within {timeout} s".replace("  ", " "))
        return found

    def wait_for_notice(self, containing: str, *, timeout: float = 10.0) -> Notice:
        """Return the first notice so far or to come whose text contains `containing`."""
        found = self.inbox.wait_for(lambda e: isinstance(e, Notice) and containing in e.text, timeout)
        if not isinstance(found, Notice):
            raise ChatError(f"{self.name}: no notice containing {containing!r} within {timeout} s")
        return found

    def messages(self) -> list[ChatMessage]:
        """Return the chat messages received so far."""
        return self.inbox.messages()

    # --- the wire ---

    def _require_socket(self) -> socket.socket:
        if self._sock is None:
            raise ChatError(f"{self.name} is not connected")
        return self._sock

    def _send(self, frame: Frame) -> None:
        """Encode a message and send the whole line."""
        line = protocol.encode(frame)
        self.send_line(line)

    def _wait_in_room(self, doing: str) -> None:
        """Wait until the server has confirmed our room; raise the server's refusal if there was one."""
        if self._in_room.wait(CONNECT_SECONDS) and not self._ended.is_set():
            return
        problem = self.inbox.latest(Problem, Closed)
        self.close()
        raise ChatError(f"{self.name}: {doing} failed: {_describe(problem)}")

    def _receive_forever(self) -> None:
        """Read lines until the connection ends, handling each; report the end as a Closed event."""
        reason = "connection closed by the server"
        try:
            with self._require_socket().makefile("rb") as reader:
                for line in reader:
                    self._handle_line(line)
        except (OSError, ChatError):
            reason = "connection lost"
        if self._sock is None:
            reason = "closed by you"
        self._ended.set()
        self._in_room.set()  # wake anyone waiting, so they see the connection is gone
        self._emit(Closed(reason))

    def _handle_line(self, line: bytes) -> None:
        """Decode one received line and turn it into events."""
        self._emit(Wire("received", line))
        try:
            frame = protocol.decode(line)
        except ProtocolError as error:
            self._emit(Problem("malformed", f"the server sent a line that is not a message: {error}", line))
            return
        handler = RECEIVERS.get(frame["type"])
        if handler is not None:
            handler(self, frame, line)

    def _emit(self, event: Event) -> None:
        """Report an event to the inbox (its history, its waiters and its listeners)."""
        self.inbox.put(event)

    # --- one handler per kind of message from the server ---

    def _on_message(self, frame: Frame, line: bytes) -> None:
        try:
            text = self.codec.open(frame, self.name)
        except (CannotDecrypt, ProtocolError, KeyError):
            self._emit(Problem("cannot_decrypt", f"{CANNOT_DECRYPT} (from {frame['sender']})", line))
            return
        if isinstance(self.codec, SealedCodec):
            if self.codec.is_replay(frame):
                self._emit(Problem("replay", f"replay rejected: an old message from {frame['sender']}", line))
                return
            if self.codec.key_changed(frame):
                self._emit(Problem("key_changed", f"warning: {frame['sender']}'s signing key changed", line))
        self._emit(
            ChatMessage(
                frame["room"],
                frame["sender"],
                text,
                frame["time"],
                frame["ciphertext"],
                line,
                frame["sender"] == self.name,
                frame["id"],
            )
        )

    def _on_joined(self, frame: Frame, line: bytes) -> None:
        try:
            check = self.codec.on_joined(frame, self.name)
        except (CannotDecrypt, ProtocolError):
            self._emit(Problem("wrong_password", f"wrong password for room {frame['room']}", line))
            self.close()
            return
        self.room = frame["room"]
        if check is not None:
            self._send(check)
        self._in_room.set()
        self._emit(Joined(self.room))

    def _on_error(self, frame: Frame, line: bytes) -> None:
        self._emit(Problem(frame["code"], frame["text"], line))

    def _on_notice(self, frame: Frame, line: bytes) -> None:
        self._emit(Notice(frame["text"]))

    def _on_room_list(self, frame: Frame, line: bytes) -> None:
        self._emit(RoomList({entry["room"]: entry["members"] for entry in frame["rooms"]}))

    def _on_members(self, frame: Frame, line: bytes) -> None:
        self._emit(Members(frame["room"], list(frame["names"])))


RECEIVERS: dict[str, Callable[[ChatClient, Frame, bytes], None]] = {
    "message": ChatClient._on_message,
    "joined": ChatClient._on_joined,
    "error": ChatClient._on_error,
    "notice": ChatClient._on_notice,
    "room_list": ChatClient._on_room_list,
    "members": ChatClient._on_members,
}


def _describe(event: Event | None) -> str:
    """Say what a Problem or Closed event reports."""
    if isinstance(event, Problem):
        return event.text
    return event.reason if isinstance(event, Closed) else "no answer from the server"


def make_codec(
    mode: str, password: str, iterations: int, identity: Ed25519PrivateKey | None
) -> ClassicCodec | SealedCodec:
    """Build the codec of a mode."""
    if mode == "classic":
        return ClassicCodec(password)
    if mode == "sealed":
        return SealedCodec(password, iterations, identity)
    raise ValueError(f"mode should be 'classic' or 'sealed', got {mode!r}")
