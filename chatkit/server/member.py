"""One connected person as the server sees them: a socket, a name, a room, and the lines waiting for them.

Why lines wait here: if the sender's thread wrote to every member's socket and waited, one member who stops
reading would fill their socket buffer and block that thread, and with it the whole room. So every line goes to
the server's postman (postman.py), which hands it to the member's pending list and sends without ever waiting,
many lines per system call when they pile up. Past a bound of pending lines, or when the member stays behind too
long, they are dropped with a reason; everyone else carries on.
"""

import contextlib
import select
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatkit.server.postman import Postman


@dataclass(frozen=True)
class Limits:
    """What the server allows each member before refusing their lines or dropping them."""

    outbox_lines: int = 2000  # lines waiting behind a slow reader's full socket before the server gives up
    stall_seconds: float = 30.0  # a send blocked this long means the member stopped reading
    lines_per_second: float = 50.0  # the steady rate a member may send at ...
    burst_lines: int = 500  # ... after a burst of this many (a person typing never comes close)


WRITE_TIMEOUT = 10.0  # seconds finish() waits for the postman to send what is queued
NO_WAIT = getattr(socket, "MSG_DONTWAIT", 0)  # Linux and macOS: "send what fits, never wait"
SMALL_SEND = 4096  # without MSG_DONTWAIT (Windows): a socket that select() calls writable takes this much at once


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
    """A connection the server reads from on one thread; the postman writes the lines queued for it.

    Only the postman's thread changes `pending`, `pending_lines` and `unsent`, so they need no lock.
    """

    # Fixed attributes, no per-object dict: with 2,000 members every kilobyte per member counts.
    __slots__ = (
        "sock", "peer", "postman", "limits", "name", "room", "pubkey", "reason", "allowance",
        "pending", "pending_lines", "unsent", "behind_since", "closed", "__weakref__",
    )  # fmt: skip

    def __init__(self, sock: socket.socket, peer: str, postman: "Postman", limits: Limits | None = None) -> None:
        self.sock = sock
        self.peer = peer
        self.postman = postman
        self.limits = limits or Limits()
        self.name = ""
        self.room = ""
        self.pubkey = ""  # sealed mode: the member's public signing key, relayed with each message
        self.reason = ""  # why the server dropped this member, if it did
        self.allowance = TokenBucket(self.limits.lines_per_second, self.limits.burst_lines)
        self.pending: list[bytes] = []  # pieces of lines the postman has not sent yet, oldest first
        self.pending_lines = 0  # how many lines those pieces hold
        self.unsent = b""  # bytes taken from pending that the socket has not accepted yet
        self.behind_since: float | None = None  # while the socket cannot take all that is unsent (for the watchdog)
        self.closed = False  # set once, never cleared: a plain flag is enough

    def __repr__(self) -> str:
        return f"Member({self.name or '?'}@{self.peer} in {self.room or '-'})"

    def queue(self, data: bytes, lines: int) -> None:
        """Add whole lines for this member (the postman calls this); drop the member if too far behind."""
        # Only a member whose socket refuses bytes can be too far behind: lines also wait a moment while the
        # postman is busy with others, and that must not count against a member who reads well.
        if self.closed:
            return
        if self.behind_since is not None and self.pending_lines + lines > self.limits.outbox_lines:
            self.drop(f"too far behind: {self.limits.outbox_lines} lines waiting to be read")
            return
        self.pending.append(data)
        self.pending_lines += lines

    def take_pending(self) -> bytes:
        """Take every pending line as one piece of bytes (the postman calls this)."""
        data = b"".join(self.pending)
        self.pending, self.pending_lines = [], 0
        return data

    def send_unsent(self) -> bool:
        """Give the socket as much of `unsent` as it takes without waiting, keep the rest; return True if all went."""
        try:
            sent = send_some(self.sock, self.unsent)
        except OSError:
            self.abort()  # the connection is gone: nothing left worth sending
            self.unsent = b""
            return False
        self.unsent = self.unsent[sent:]
        return not self.unsent

    def has_mail(self) -> bool:
        """Return True if some lines have not reached the socket yet."""
        return bool(self.pending or self.unsent)

    def forget_mail(self) -> None:
        """Throw away what is waiting (the connection is closed)."""
        self.pending, self.pending_lines, self.unsent = [], 0, b""

    def stalled(self, now: float) -> bool:
        """Return True if the socket has not taken what is unsent for longer than the limit: they stopped reading."""
        since = self.behind_since
        return since is not None and now - since > self.limits.stall_seconds

    def finish(self) -> None:
        """Let the postman send what is queued (bounded), then close the socket (used when the reader is done)."""
        if not self.postman.wait_until_sent(self, WRITE_TIMEOUT):
            self.abort()
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


def send_some(sock: socket.socket, data: bytes) -> int:
    """Send what the socket takes without waiting; return how many bytes it took (0 if it is full)."""
    if NO_WAIT:
        try:
            return sock.send(data, NO_WAIT)
        except BlockingIOError:
            return 0
    _, writable, _ = select.select([], [sock], [], 0)  # no MSG_DONTWAIT: ask first, then send a little
    return sock.send(data[:SMALL_SEND]) if writable else 0
