"""Many benchmark clients at once: open them, read all their sockets on one thread, poll the stored count.

One selector thread reads every socket and keeps each chunk with the time it arrived; lines are split and
decoded only after the timed part is over, so the load generator spends its CPU on reading, not parsing.
"""

import resource
import selectors
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from bench.wire import Speaker, Wire

CONNECT_SECONDS = 10.0
READ_BYTES = 262144  # the most one read takes from one socket
Chunk = tuple[float, bytes]


def raise_fd_limit() -> int:
    """Raise this process's open-file limit to the hard limit (children inherit it); return the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def open_clients(wire: Wire, port: int, count: int, room_of: Callable[[int], str]) -> list[Speaker]:
    """Connect `count` clients named c0, c1, ... and greet the server with each."""
    speakers = []
    for number in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=CONNECT_SECONDS)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        speakers.append(wire.open(sock, f"c{number}", room_of(number)))
    return speakers


def close_clients(speakers: list[Speaker]) -> None:
    """Close every client socket."""
    for speaker in speakers:
        speaker.sock.close()


class Receiver:
    """Read every client's socket on one thread; count lines as they come, keep chunks for the tally."""

    def __init__(self, speakers: list[Speaker]) -> None:
        self.selector = selectors.DefaultSelector()
        self.chunks: list[list[Chunk]] = [[] for _ in speakers]
        self.lines = [0] * len(speakers)
        self.last_arrival = time.perf_counter()
        self._stop = threading.Event()
        self._buffer = bytearray(READ_BYTES)  # one reusable buffer: only the receiver thread reads into it
        self._view = memoryview(self._buffer)
        for number, speaker in enumerate(speakers):
            speaker.sock.settimeout(None)
            self.selector.register(speaker.sock, selectors.EVENT_READ, number)
        self._thread = threading.Thread(target=self._read_forever, name="bench-receiver", daemon=True)
        self._thread.start()

    def _read_forever(self) -> None:
        """Read whatever is ready until stop()."""
        while not self._stop.is_set():
            for key, _ in self.selector.select(timeout=0.1):
                self._read(key.fileobj, key.data)  # type: ignore[arg-type]

    def _read(self, sock: socket.socket, number: int) -> None:
        """Keep one chunk from one socket with its arrival time; forget a socket the server closed."""
        try:
            size = sock.recv_into(self._buffer)
        except OSError:
            size = 0
        # Copy out exactly what came. (recv(262144) would allocate 256 KiB for every read and shrink it after, and
        # with a few million small reads the allocator kept pages of each: gigabytes, and a MemoryError once.)
        data = self._view[:size].tobytes()
        if not data:
            self.selector.unregister(sock)
            return
        self.last_arrival = now = time.perf_counter()
        self.chunks[number].append((now, data))
        self.lines[number] += data.count(b"\n")

    def total(self) -> int:
        """Return how many lines have arrived so far, on all sockets."""
        return sum(self.lines)

    def wait(self, done: Callable[[], bool], timeout: float) -> bool:
        """Wait (bounded) until done() is true; return whether it became true."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def wait_quiet(self, quiet: float = 0.3, timeout: float = 30.0) -> None:
        """Wait until nothing has arrived for `quiet` seconds (bounded by `timeout`)."""
        self.wait(lambda: time.perf_counter() - self.last_arrival > quiet, timeout)

    def forget(self) -> None:
        """Drop the chunks kept so far (greetings, notices) before a timed phase."""
        for chunks in self.chunks:
            chunks.clear()

    def lines_of(self, number: int) -> list[Chunk]:
        """Split one client's chunks into lines, each with the arrival time of its last byte."""
        lines, partial = [], b""
        for arrived, data in list(self.chunks[number]):
            *complete, partial = (partial + data).split(b"\n")
            lines.extend((arrived, line) for line in complete)
        return lines

    def stop(self) -> None:
        """Stop reading and close the selector."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.selector.close()


def stored_rows(db: Path) -> int:
    """Return how many messages a server's database holds (both servers name the table 'messages')."""
    if not db.exists():
        return 0
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0])


class StoredWatch:
    """Poll a database on a thread until it holds `target` rows; remember when it got there."""

    def __init__(self, db: Path, target: int, timeout: float) -> None:
        self.db, self.target, self.timeout = db, target, timeout
        self.reached_at: float | None = None
        self.rows = 0
        self._thread = threading.Thread(target=self._poll, name="bench-stored", daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        deadline = time.perf_counter() + self.timeout
        while time.perf_counter() < deadline:
            try:
                self.rows = stored_rows(self.db)
            except sqlite3.OperationalError:
                continue  # the baseline was mid-commit; try again
            if self.rows >= self.target:
                self.reached_at = time.perf_counter()
                return
            time.sleep(0.01)

    def join(self) -> None:
        """Wait for the poller to finish (it is bounded by its timeout)."""
        self._thread.join(self.timeout + 5)
