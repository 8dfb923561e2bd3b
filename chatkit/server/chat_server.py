"""The threaded chat server: an accept loop, a thread per member, rooms, broadcast and the log.

    server = ChatServer(mode="sealed")
    host, port = server.start()     # returns at once; port 0 (the default) picks a free port
    ...
    server.stop()                   # closes every socket, joins every thread

or `with ChatServer(...) as server:`. Starting a running server does nothing; a stopped one can start again.
"""

import socket
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import ClassVar

from chatkit import protocol
from chatkit.server.classic import ClassicMode
from chatkit.server.conversation import converse, reply
from chatkit.server.member import Limits, Member
from chatkit.server.modes import Fields, Mode
from chatkit.server.postman import Postman
from chatkit.server.rooms import Rooms
from chatkit.server.sealed import SealedMode
from chatkit.storage import ChatLog, StoredMessage

ACCEPT_POLL_SECONDS = 0.2  # how often the accept loop checks whether stop() was called
STOP_SECONDS = 5.0
# TCP keepalive: after a minute of silence the kernel probes the peer every 10 s and gives up after 5 failed
# probes, so a laptop that vanished (lid closed, Wi-Fi gone) is cleared in about two minutes, not hours.
KEEPALIVE = {"TCP_KEEPIDLE": 60, "TCP_KEEPINTVL": 10, "TCP_KEEPCNT": 5}


def make_mode(mode: str, password: str | None, padding_oracle: bool) -> Mode:
    """Build the mode object: classic needs the room password (the server knows it), sealed must not get one."""
    if mode == "classic":
        if not password:
            raise ValueError("classic mode needs the room password: in the original design the server knows it")
        return ClassicMode(password, padding_oracle)
    if mode == "sealed":
        if password or padding_oracle:
            raise ValueError("sealed mode takes no password and no padding oracle: the server holds no key")
        return SealedMode()
    raise ValueError(f"mode should be 'classic' or 'sealed', got {mode!r}")


def create_listener(host: str, port: int) -> socket.socket:
    """Open a listening TCP socket (IPv4 or IPv6, by the host given)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once on the same port
    try:
        sock.bind((host, port))
        sock.listen(512)
    except OSError:  # e.g. "address already in use": close the socket before saying so
        sock.close()
        raise
    sock.settimeout(ACCEPT_POLL_SECONDS)
    return sock


def tune_connection(sock: socket.socket) -> None:
    """Send small messages at once and let the kernel find dead peers (with our timings where it allows)."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for option, value in KEEPALIVE.items():
        if hasattr(socket, option):  # Linux has all three; other systems some or none (then system defaults)
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)


class ChatServer:
    """A chat server running on background threads, in `classic` or `sealed` mode."""

    running: ClassVar[weakref.WeakSet["ChatServer"]] = weakref.WeakSet()

    def __init__(
        self,
        mode: str = "sealed",
        *,
        password: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str | Path | None = None,
        padding_oracle: bool = False,
        limits: Limits | None = None,
    ) -> None:
        self.mode: Mode = make_mode(mode, password, padding_oracle)
        self.limits = limits or Limits()  # rate limit, lines waiting, stall timeout (see member.py)
        self.host, self.port, self.db = host, port, db
        self.rooms = Rooms()
        self._threads: set[threading.Thread] = set()
        self._connections: set[Member] = set()  # everyone connected, greeted or not (stop() cuts them all)
        self._lock = threading.Lock()  # guards _threads and _connections
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._log: ChatLog | None = None
        self._postman: Postman | None = None  # writes to every member's socket (a fresh one each start())

    def __repr__(self) -> str:
        state = f"listening on {self.host}:{self.port}" if self.is_running else "stopped"
        return f"<ChatServer {self.mode.name}, {state}>"

    # --- lifetime ---

    @property
    def is_running(self) -> bool:
        return self._listener is not None

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    @property
    def log(self) -> ChatLog:
        if self._log is None:
            raise RuntimeError("the server is not running: call start() first")
        return self._log

    @property
    def postman(self) -> Postman:
        if self._postman is None:
            raise RuntimeError("the server is not running: call start() first")
        return self._postman

    @property
    def db_path(self) -> str:
        return self.log.path

    def start(self) -> tuple[str, int]:
        """Start listening and serving on background threads; return (host, port)."""
        if self.is_running:
            return self.address
        self._stopping.clear()
        self._log = ChatLog(self._database_file())
        try:
            self._listener = create_listener(self.host, self.port)
        except OSError:  # e.g. the port is taken: leave nothing open behind us
            self._close_log()
            raise
        self.port = self._listener.getsockname()[1]
        self._postman = Postman()
        self._spawn(self._postman.run, "chatkit-postman")
        self._spawn(self._accept_forever, "chatkit-accept")
        self._spawn(self._watch_forever, "chatkit-watchdog")
        ChatServer.running.add(self)
        return self.address

    def _database_file(self) -> Path:
        """Use the file asked for, or one in a temporary folder that stop() removes."""
        if self.db is not None:
            return Path(self.db)
        self._tempdir = tempfile.TemporaryDirectory(prefix="chatkit-")
        return Path(self._tempdir.name) / "chat.db"

    def stop(self) -> None:
        """Stop accepting, disconnect everyone, join every thread and close the log. Safe to call twice."""
        listener = self._listener
        if listener is None:
            return
        self._stopping.set()
        for member in self.connections():
            member.abort()
        self.postman.stop()
        self._join_threads()
        listener.close()
        self._listener = None
        self._close_log()
        ChatServer.running.discard(self)

    def _close_log(self) -> None:
        """Close the log and remove its temporary folder, if it has one."""
        self.log.close()
        self._log = None
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def _join_threads(self) -> None:
        """Wait for the accept loop and every conversation to end."""
        deadline = time.monotonic() + STOP_SECONDS
        while (threads := self._running_threads()) and time.monotonic() < deadline:
            for member in self.connections():  # someone who connected while stop() began
                member.abort()
            threads[0].join(timeout=max(0.01, deadline - time.monotonic()))

    def _running_threads(self) -> list[threading.Thread]:
        with self._lock:
            return list(self._threads)

    def connections(self) -> list[Member]:
        """Return every connected member, including those still greeting."""
        with self._lock:
            return list(self._connections)

    @classmethod
    def stop_all(cls) -> None:
        """Stop every server this Python process started (what a notebook's first cell calls on a re-run)."""
        for server in list(cls.running):
            server.stop()

    def __enter__(self) -> "ChatServer":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Start, then block until Ctrl-C (for the terminal script)."""
        self.start()
        try:
            while not self._stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    # --- threads ---

    def _spawn(self, target: object, name: str, *args: object) -> None:
        """Start a thread that removes itself from the server's set when it ends."""

        def run() -> None:
            try:
                target(*args)  # type: ignore[operator]
            finally:
                with self._lock:
                    self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=run, name=name, daemon=True)
        with self._lock:  # added and started together: stop() never finds a thread it cannot join yet
            self._threads.add(thread)
            thread.start()

    def _accept_forever(self) -> None:
        """Accept connections until stop(); each gets a member with a reader thread (the postman writes)."""
        listener = self._listener
        while listener is not None and not self._stopping.is_set():
            try:
                sock, peer = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            tune_connection(sock)
            member = Member(sock, f"{peer[0]}:{peer[1]}", self.postman, self.limits)
            with self._lock:
                self._connections.add(member)
            self._spawn(converse, f"chatkit-member-{peer[1]}", self, member)

    def _watch_forever(self) -> None:
        """Drop members whose socket has taken nothing new for too long: they stopped reading, and hold memory."""
        every = min(1.0, self.limits.stall_seconds / 4)
        while not self._stopping.wait(every):
            now = time.monotonic()
            for member in self.connections():
                if member.stalled(now):
                    member.drop(f"stopped reading: nothing got through to them for {self.limits.stall_seconds:g} s")

    # --- what conversations call ---

    def welcome(self, member: Member) -> None:
        """Greet a member whose name was accepted."""
        self.log.saw_user(member.name)
        reply(member, {"type": "welcome", "name": member.name, "mode": self.mode.name})

    def move(self, member: Member, room: str) -> None:
        """Put a member in a room, tell them about it, and tell both rooms."""
        record = self.log.room(room, self.mode.make_salt)
        old = self.rooms.move(member, room)
        if old and old != room:
            self.announce(old, f"{member.name} left {old}")
        reply(member, {"type": "joined", **self.mode.joined(record)})
        self.announce(room, f"{member.name} joined {room}")

    def leave(self, member: Member) -> None:
        """Forget a member whose conversation ended."""
        with self._lock:
            self._connections.discard(member)
        if member.name:
            self.rooms.remove(member)
            if member.room:
                why = f" (dropped by the server: {member.reason})" if member.reason else ""
                self.announce(member.room, f"{member.name} left {member.room}{why}")

    def announce(self, room: str, text: str) -> None:
        """Tell everyone in a room something (a notice, not a chat message)."""
        line = protocol.encode({"type": "notice", "text": text})
        with self.rooms.lock:  # posted before a member who is leaving is gone: finish() waits for it
            self.postman.post(line, self.rooms.members(room))
        self.postman.wake()  # after the lock: see Postman.wake

    def publish(self, member: Member, payload: str, fields: Fields) -> None:
        """Store a message, then relay it to the sender's room, in the order it was stored."""
        with self.rooms.lock:  # one order for the log and for the postman's outbox
            stored = self.log.append(member.room, member.name, payload)
            message = {
                "time": time.time(),
                **fields,
                "type": "message",
                "id": stored.id,
                "room": member.room,
                "sender": member.name,
            }
            self.postman.post(protocol.encode(message), self.rooms.members(member.room))
        self.postman.wake()  # after the lock: see Postman.wake

    # --- what a server panel reads ---

    def roster(self) -> dict[str, list[str]]:
        """Return who is connected, room by room."""
        return self.rooms.roster()

    def recent(self, limit: int = 10, room: str | None = None) -> list[StoredMessage]:
        """Return the last rows of the message log, exactly as the server stores them."""
        return self.log.recent(limit, room)
