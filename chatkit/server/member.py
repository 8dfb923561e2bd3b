"""One connected person as the server sees them: a small record (socket, name, room, key, allowance, flags).

A member holds no lines and knows nothing of who writes to them: the delivery (delivery.py or postman.py) keeps
what waits for each member, so the two never reach into each other.
"""

import contextlib
import socket
import time
from dataclasses import dataclass

from chatkit.channel import Channel, PlainChannel


@dataclass(frozen=True)
class Limits:
    """What the server allows each member before refusing their lines or dropping them."""

    outbox_lines: int = 2000  # lines waiting behind a slow reader's full socket before the server gives up
    stall_seconds: float = 30.0  # a send blocked this long means the member stopped reading
    lines_per_second: float = 50.0  # the steady rate a member may send at ...
    burst_lines: int = 500  # ... after a burst of this many (a person typing never comes close)


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
    """A connection the server reads from on one thread; whoever delivers lines writes to its socket.

    Both go through `channel`: the reader takes lines from `channel.recv`, a writer sends `channel.wrap(line)`.
    """

    # Fixed attributes, no per-object dict: with 2,000 members every kilobyte per member counts.
    __slots__ = ("sock", "channel", "peer", "name", "room", "pubkey", "reason", "allowance", "closed", "__weakref__")

    def __init__(
        self, sock: socket.socket, peer: str, limits: Limits | None = None, channel: Channel | None = None
    ) -> None:
        limits = limits or Limits()
        self.sock = sock  # always the plain TCP socket: the postman selects on it and sends to it without waiting
        self.channel = channel or PlainChannel(sock)  # what its bytes carry: lines, or TLS records of lines
        self.peer = peer
        self.name = ""
        self.room = ""
        self.pubkey = ""  # sealed mode: the member's public signing key, relayed with each message
        self.reason = ""  # why the server dropped this member, if it did
        self.allowance = TokenBucket(limits.lines_per_second, limits.burst_lines)
        self.closed = False  # set once, never cleared: a plain flag is enough

    def __repr__(self) -> str:
        return f"Member({self.name or '?'}@{self.peer} in {self.room or '-'})"

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

    def close(self) -> None:
        """Close the socket (the delivery calls this once everything for the member was sent, or given up)."""
        self.closed = True
        self.sock.close()
