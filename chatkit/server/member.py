"""One connected person as the server sees them: a socket, a name, a room, and an outbox with its own writer.

Why an outbox: if the server wrote to every member's socket itself and waited, one member who stops reading would
fill their socket buffer and block the sender's thread, and with it the whole room. So a line is first offered to
the socket *without waiting* (most of the time the kernel takes it at once: no thread switch, no delay); whatever
the socket cannot take goes to a bounded outbox that a writer thread drains, started only while there is a backlog.
Past the bound, or when a send stays stuck too long, the member is dropped with a reason; everyone else carries on.
"""

import contextlib
import socket
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What the server allows each member before refusing their lines or dropping them."""

    outbox_lines: int = 2000  # lines waiting for one slow reader before the server gives up on them
    stall_seconds: float = 30.0  # a send blocked this long means the member stopped reading
    lines_per_second: float = 50.0  # the steady rate a member may send at ...
    burst_lines: int = 500  # ... after a burst of this many (a person typing never comes close)


WRITE_TIMEOUT = 10.0  # seconds finish() waits for the writer to send what is queued
LINES_PER_SEND = 256  # a writer catching up sends up to this many queued lines in one go
NO_WAIT = getattr(socket, "MSG_DONTWAIT", 0)  # Linux and macOS; without it (Windows) every line goes via the writer


class TokenBucket:
    """Allow a burst, then a steady rate: each line takes a token, tokens drip back in over time.

    Only the member's reader thread calls take(), so the bucket needs no lock.
    """

    __slots__ = ("per_second", "burst", "tokens", "updated")

    def __init__(self, per_second: float, burst: int) -> None:
        self.per_second, self.burst = per_second, burst
        self.tokens = float(burst)
        self.updated = time.monotonic()

    def take(self) -> bool:
        """Spend one token if there is one; return False (refuse the line) if the bucket is empty."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


class Member:
    """A connection the server reads from on one thread and writes to from any thread (plus a writer if behind)."""

    # Fixed attributes, no per-object dict: with 2,000 members every kilobyte per member counts.
    __slots__ = (
        "sock", "peer", "limits", "name", "room", "pubkey", "reason", "allowance",
        "outbox", "closed", "sending_since", "writer", "_writing", "_lock", "__weakref__",
    )  # fmt: skip

    def __init__(self, sock: socket.socket, peer: str, limits: Limits | None = None) -> None:
        self.sock = sock
        self.peer = peer
        self.limits = limits or Limits()
        self.name = ""
        self.room = ""
        self.pubkey = ""  # sealed mode: the member's public signing key, relayed with each message
        self.reason = ""  # why the server dropped this member, if it did
        self.allowance = TokenBucket(self.limits.lines_per_second, self.limits.burst_lines)
        self.outbox: list[bytes] = []  # what the socket could not take yet, oldest first (a list is smallest)
        self.closed = False  # set once, never cleared: a plain flag is enough
        self.sending_since: float | None = None  # set while the writer waits in a send (the watchdog reads it)
        self.writer: threading.Thread | None = None
        self._writing = False  # a writer thread owns the socket until the outbox is empty
        self._lock = threading.Lock()  # guards outbox and _writing, so lines leave in the order they came

    def __repr__(self) -> str:
        return f"Member({self.name or '?'}@{self.peer} in {self.room or '-'})"

    def deliver(self, line: bytes) -> bool:
        """Send a line now if the socket takes it, else queue it; return False (and drop them) if too far behind."""
        if self.closed:
            return False
        with self._lock:
            if not self._writing:
                line = self._send_now(line)
                if not line:
                    return True
            if len(self.outbox) < self.limits.outbox_lines:
                self.outbox.append(line)
                self._start_writer()
                return True
        self.drop(f"too far behind: {self.limits.outbox_lines} lines waiting to be read")
        return False

    def _send_now(self, line: bytes) -> bytes:
        """Give the socket what it takes without waiting; return the part it did not take."""
        if not NO_WAIT:
            return line
        try:
            sent = self.sock.send(line, NO_WAIT)
        except BlockingIOError:
            return line
        except OSError:
            self.abort()
            return b""  # the connection is gone: nothing left worth sending
        return line[sent:]

    def _start_writer(self) -> None:
        """Start a writer thread for the backlog unless one is running (call with the lock held)."""
        if not self._writing:
            self._writing = True
            self.writer = threading.Thread(target=self._write_forever, name=f"chatkit-writer-{self.peer}", daemon=True)
            self.writer.start()

    def _take_chunk(self) -> bytes:
        """Take up to LINES_PER_SEND queued lines; if none are left, hand the socket back to deliver()."""
        with self._lock:
            chunk = b"".join(self.outbox[:LINES_PER_SEND])
            del self.outbox[:LINES_PER_SEND]
            if not chunk:
                self._writing = False
            return chunk

    def _write_forever(self) -> None:
        """Send the backlog, waiting as long as the socket needs, until it is empty; then end."""
        while chunk := self._take_chunk():
            if not self._send(chunk):
                return

    def _send(self, data: bytes) -> bool:
        """Write bytes to the socket, waiting if need be; on any failure drop the connection."""
        self.sending_since = time.monotonic()
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            self.abort()
            return False
        finally:
            self.sending_since = None

    def stalled(self, now: float) -> bool:
        """Return True if a send has been blocked for longer than the limit: the member stopped reading."""
        since = self.sending_since
        return since is not None and now - since > self.limits.stall_seconds

    def finish(self) -> None:
        """Let the writer send what is queued, then close the socket (used when the reader is done)."""
        writer = self.writer
        if writer is not None and writer is not threading.current_thread():
            writer.join(timeout=WRITE_TIMEOUT)
            if writer.is_alive():
                self.abort()  # still stuck: its send fails and it ends
        self.closed = True
        self.sock.close()

    def drop(self, reason: str) -> None:
        """Cut the connection and remember why, for the notice the room gets."""
        if not self.closed:
            self.reason = reason
        self.abort()

    def abort(self) -> None:
        """Cut the connection now: the reader sees end of input and cleans up."""
        self.closed = True
        with contextlib.suppress(OSError):  # already closed by the other side
            self.sock.shutdown(socket.SHUT_RDWR)
