"""Delivery: how a line gets from the server to members' sockets. First the simple form, `DirectDelivery`.

Both deliveries (this one and postman.py's `Postman`, the default) have the same small interface, `Delivery`, so
`ChatServer(delivery=DirectDelivery)` runs the same server with the simple form, for comparison.

The hub calls `post(line, recipients)` while it holds its ordering lock (so the log and every member see one
order), and `wake()` once it has let go of it.
"""

import threading
import time
from collections.abc import Collection
from typing import Protocol

from chatkit.server.member import Limits, Member

WRITE_TIMEOUT = 10.0  # seconds finish() waits for what is still being sent to a member who is leaving


class Delivery(Protocol):
    """What the hub and the server need from whoever writes lines to members' sockets."""

    def post(self, line: bytes, recipients: Collection[Member]) -> None:
        """Hand over a line for these members, in order (called under the hub's lock)."""

    def wake(self) -> None:
        """Get going on what was posted (called once the hub's lock is let go)."""

    def finish(self, member: Member) -> None:
        """Send what is still on its way to a member who is leaving (bounded), then close their socket."""

    def stalled(self, now: float) -> list[Member]:
        """Return the members whose socket has taken nothing for longer than the limit: they stopped reading."""

    def run(self) -> None:
        """Do the delivery's own work until stop() (on a thread of its own)."""

    def stop(self) -> None:
        """Ask run() to end."""


class DirectDelivery:
    """The simple form: the sender's own thread writes each line to every recipient with `sendall`.

    It is easy to follow, and lines keep their order because they are written while the hub holds its lock. The
    price is that `sendall` waits until a socket has taken the whole line. A member who stops reading fills their
    socket's buffer; the next `sendall` to them waits, while holding the hub's lock, so every other sender waits
    behind it: the room (in fact the whole server) stalls behind one slow reader until the watchdog drops them
    after `Limits.stall_seconds`. Each member has a lock of their own, so that a reply and a room message to the
    same person are never written at once, interleaved. postman.py removes the waiting.
    """

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._locks: dict[Member, threading.Lock] = {}  # one per member: one write at a time to each socket
        self._writing_since: dict[Member, float] = {}  # members a sendall is waiting on, and since when
        self._lock = threading.Lock()  # guards the two dicts (many sender threads use them)

    def post(self, line: bytes, recipients: Collection[Member]) -> None:
        """Write the line to each recipient now, one after another, waiting until each socket took all of it."""
        for member in recipients:
            if not member.closed:
                self._write(member, line)

    def _write(self, member: Member, line: bytes) -> None:
        """Write one line to one member under their lock; a connection that fails is cut."""
        with self._lock_of(member):
            with self._lock:
                self._writing_since[member] = time.monotonic()
            try:
                member.sock.sendall(member.channel.wrap(line))  # wrapped under the lock: records in order
            except OSError:  # gone, or cut by the watchdog while we waited
                member.abort()
            finally:
                with self._lock:
                    del self._writing_since[member]

    def _lock_of(self, member: Member) -> threading.Lock:
        """Return the member's write lock, made on first use (a closed member's is not kept: finish() forgot it)."""
        with self._lock:
            if member.closed:
                return threading.Lock()
            return self._locks.setdefault(member, threading.Lock())

    def wake(self) -> None:
        """Nothing to do: every line was written as it was posted."""

    def finish(self, member: Member) -> None:
        """Wait (bounded) for a write to the member that is under way, then close their socket."""
        lock = self._lock_of(member)
        took = lock.acquire(timeout=WRITE_TIMEOUT)
        if not took:
            member.abort()  # the write is stuck on a reader who stopped: cutting the connection ends it
            took = lock.acquire(timeout=WRITE_TIMEOUT)
        try:
            member.close()
            with self._lock:
                self._locks.pop(member, None)
        finally:
            if took:
                lock.release()

    def stalled(self, now: float) -> list[Member]:
        """Return the members a sendall has been waiting on for longer than the limit."""
        with self._lock:
            waiting = list(self._writing_since.items())
        return [member for member, since in waiting if now - since > self.limits.stall_seconds]

    def run(self) -> None:
        """Return at once: the senders' threads do all the writing."""

    def stop(self) -> None:
        """Nothing to stop (the server cuts every connection, which ends any write that waits)."""
