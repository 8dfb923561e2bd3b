"""A relay that sits on the network between clients and a server: it sees every line, and may change it.

    relay = Relay(server.address).start()      # clients connect to relay.address instead of the server
    relay.listeners.append(print)              # every line, as an eavesdropper on the network sees it
    relay.tamper = flip_a_bit                  # a function line -> line (changed) or None (dropped)
    relay.cuts                                 # connections it closed because a line was over the size limit

This is the attacker of notebooks 03-10: passive (watch), then active (change, drop, replay, inject).
It only ever connects to the server address it was given, which the notebook started on loopback.
In front of a TLS server, `Relay(address, records=True)` passes TLS records on whole instead of lines (notebook
16): each Captured is then one record, which the relay can see the length of, and change, but not read.
It reads through the one bounded line buffer (framing.py), so a peer that sends megabytes without a newline
makes it hold no more than the chat's line limit: that line is refused, and its connection closed.
"""

import contextlib
import socket
import sys
import threading
import time
import traceback
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from chatkit.framing import LineReader, LineTooLong
from chatkit.lab.tls_records import RecordReader
from chatkit.protocol import MAX_LINE_BYTES

TO_SERVER = "to server"
TO_CLIENT = "to client"
CAPTURE_LINES = 5000
REMEMBERED_CUTS = 100


@dataclass(frozen=True)
class Captured:
    """One line seen on the wire: which connection, which direction, the bytes, and when."""

    connection: int
    direction: str  # TO_SERVER or TO_CLIENT
    line: bytes  # exactly as it crossed the wire, newline included (a whole TLS record, for a records relay)
    time: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Cut:
    """A connection the relay closed because a line went over the size limit; that line was not passed on."""

    connection: int
    direction: str  # TO_SERVER or TO_CLIENT: who sent the line
    reason: str
    time: float = field(default_factory=time.time)


Tamper = Callable[[Captured], bytes | None]


@dataclass
class Pipe:
    """One client's connection through the relay: the socket to the client and the one to the server."""

    number: int
    client: socket.socket
    server: socket.socket
    sending: threading.Lock = field(default_factory=threading.Lock)  # a line injected by another thread stays whole

    def send(self, direction: str, line: bytes) -> None:
        """Write a line towards the server or towards the client."""
        with self.sending:
            (self.server if direction == TO_SERVER else self.client).sendall(line)

    def close(self) -> None:
        """Shut both sockets, so both pump threads see the end."""
        for sock in (self.client, self.server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def end(self, direction: str) -> None:
        """One side said all it had: tell the other side so (TCP's half-close), and let the other way run on.

        A client that closes sends 'quit' and shuts its side, then waits for the server's end. Cutting both sides
        here would show it the end before the server had taken its goodbye (and let go of its name).
        """
        with contextlib.suppress(OSError):
            (self.server if direction == TO_SERVER else self.client).shutdown(socket.SHUT_WR)


class Relay:
    """A line-by-line TCP relay on 127.0.0.1 in front of one server."""

    running: ClassVar[weakref.WeakSet["Relay"]] = weakref.WeakSet()

    def __init__(self, server_address: tuple[str, int], host: str = "127.0.0.1", *, records: bool = False) -> None:
        self.server_address, self.host = server_address, host
        self.records = records  # True: pass TLS records on, whole, instead of lines
        self.listeners: list[Callable[[Captured], None]] = []
        self.tamper: Tamper | None = None
        self.captured: deque[Captured] = deque(maxlen=CAPTURE_LINES)
        self.cuts: deque[Cut] = deque(maxlen=REMEMBERED_CUTS)
        self.pipes: dict[int, Pipe] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None
        self.address = (host, 0)

    def start(self) -> "Relay":
        """Listen on a free port; return self (its `address` is where clients should connect)."""
        if self._listener is not None:
            return self
        self._listener = socket.create_server((self.host, 0))
        self._listener.settimeout(0.2)
        self.address = (self.host, self._listener.getsockname()[1])
        self._spawn(self._accept_forever)
        Relay.running.add(self)
        return self

    def stop(self) -> None:
        """Close every connection and join every thread. Safe to call twice."""
        listener, self._listener = self._listener, None
        if listener is None:
            return
        with self._lock:
            pipes = list(self.pipes.values())
        for pipe in pipes:
            pipe.close()
        for thread in self._threads:
            thread.join(timeout=5)
        listener.close()
        for pipe in list(self.pipes.values()):  # every thread has ended: nothing adds pipes any more
            pipe.client.close()
            pipe.server.close()
        Relay.running.discard(self)

    @classmethod
    def stop_all(cls) -> None:
        """Stop every relay this process started."""
        for relay in list(cls.running):
            relay.stop()

    def __enter__(self) -> "Relay":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def inject(self, connection: int, direction: str, line: bytes) -> None:
        """Send a line of our own (a replay, a forgery) down an existing connection."""
        self.pipes[connection].send(direction, line if line.endswith(b"\n") else line + b"\n")

    def lines(self, direction: str | None = None, containing: str = "") -> list[Captured]:
        """Return the captured lines, optionally only one direction and only those containing some text."""
        wanted = containing.encode()
        return [c for c in list(self.captured) if direction in (None, c.direction) and wanted in c.line]

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name="chatkit-relay", daemon=True)
        self._threads = [*(t for t in self._threads if t.is_alive()), thread]  # forget pumps that ended
        thread.start()

    def _accept_forever(self) -> None:
        """Accept clients until stopped; connect each to the server and pump both ways."""
        while (listener := self._listener) is not None:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.server_address, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            self._open_pipe(client, server)

    def _open_pipe(self, client: socket.socket, server: socket.socket) -> None:
        """Remember a new connection and start its two pump threads."""
        with self._lock:
            pipe = Pipe(len(self.pipes) + 1, client, server)
            self.pipes[pipe.number] = pipe
        self._spawn(self._pump, pipe, client, TO_SERVER)
        self._spawn(self._pump, pipe, server, TO_CLIENT)

    def _pump(self, pipe: Pipe, source: socket.socket, direction: str) -> None:
        """Copy lines (or TLS records) from one side to the other, showing each to the listeners and the tamper."""
        read = (
            RecordReader(source.recv).read_record if self.records else LineReader(source.recv, MAX_LINE_BYTES).readline
        )
        try:
            while line := read():
                self._pass_on(pipe, direction, line)
        except LineTooLong as refused:
            self.cuts.append(Cut(pipe.number, direction, f"{refused}; the relay closed this connection"))
            pipe.close()
        except OSError:
            pipe.close()  # a side went away: close the other one too
        else:
            pipe.end(direction)  # the end of what this side sends: passed on, and the other way finishes

    def _pass_on(self, pipe: Pipe, direction: str, line: bytes) -> None:
        """Record a line, let the tamper function change or drop it, and forward the result."""
        seen = Captured(pipe.number, direction, line)
        self.captured.append(seen)
        for listener in list(self.listeners):
            try:
                listener(seen)
            except Exception:  # a notebook's listener must not cut the connection it watches
                traceback.print_exc(file=sys.stderr)
        forward = self.tamper(seen) if self.tamper else line
        if forward is not None:
            pipe.send(direction, forward)
