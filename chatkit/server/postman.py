"""The postman: one thread that writes to every member's socket, many lines per system call, never waiting.

The simple form is delivery.py's `DirectDelivery` (each sender's thread `sendall`s every line itself, and one
member who stops reading stalls everyone). The postman is the next step, with the same interface, built from
techniques you can look up by name:

- **Non-blocking sends**: a socket gets what it takes at once (`MSG_DONTWAIT`); the rest waits in its `Outbox`.
- **Write coalescing**: lines posted while the postman was busy are joined per member and sent in one call.
- **`selectors` and the self-pipe trick**: it sleeps in `select` on full sockets and on one end of a socket pair;
  `wake()` writes a byte to the other end, so a new line wakes it at once, not after a polling delay.
- **Backpressure**: a member whose socket refuses bytes while too many lines wait is dropped (`Limits`).

Only the postman's thread changes the outboxes, so they need no lock; an outbox exists only while something
waits for its member. docs/performance.md has the measurements behind each choice.
"""

import contextlib
import select
import selectors
import socket
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import groupby

from chatkit.server.delivery import WRITE_TIMEOUT
from chatkit.server.member import Limits, Member

WAKE_SECONDS = 0.5  # the longest the postman sleeps without a reason (it checks whether it should stop)
NO_WAIT = getattr(socket, "MSG_DONTWAIT", 0)  # Linux and macOS: "send what fits, never wait"
SMALL_SEND = 4096  # without MSG_DONTWAIT (Windows): a socket that select() calls writable takes this much at once
# poll() needs no set-up call of its own, so a fresh selector each round costs one system call (Windows: select)
Selector = getattr(selectors, "PollSelector", selectors.SelectSelector)
Posted = tuple[bytes, Collection[Member]]  # a line, and the members it is for


@dataclass(slots=True)
class Outbox:
    """What waits for one member: written by the postman's thread only."""

    pieces: list[bytes] = field(default_factory=list)  # coalesced lines not sent yet, oldest first
    lines: int = 0  # how many lines those pieces hold
    unsent: bytes = b""  # bytes taken from the pieces (in TLS: their records) that the socket has not accepted yet
    behind_since: float | None = None  # since when the socket could not take everything (for the watchdog)


class Postman:
    """Write lines to members' sockets on one thread, coalescing whatever piled up meanwhile."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._posted: list[Posted] = []  # lines posted and not yet coalesced into outboxes, oldest first
        self._posted_count = 0  # how many lines were ever posted
        self._coalesced_count = 0  # how many of them are in outboxes (or sent)
        self._outboxes: dict[Member, Outbox] = {}  # members with something waiting
        self._lock = threading.Lock()  # guards _posted, _posted_count and _wakeup_pending
        self._round_done = threading.Condition()  # notified after every round, for wait_until_sent()
        self._wakeup_pending = False  # a byte is in the self-pipe and not yet read: no need to write another
        self._wakeup_receiver, self._wakeup_sender = socket.socketpair()  # the self-pipe
        self._wakeup_receiver.setblocking(False)
        self._wakeup_sender.setblocking(False)
        self._running = True

    # --- what the hub calls (from members' threads) ---

    def post(self, line: bytes, recipients: Collection[Member]) -> None:
        """Put a line in the postman's queue for these members. Nothing is sent until someone calls wake()."""
        with self._lock:
            self._posted.append((line, recipients))
            self._posted_count += 1

    def wake(self) -> None:
        """Write a byte to the self-pipe if lines wait and none is there yet. Call it only once you hold no lock.

        Writing it is a system call, and a thread in a system call lets other threads run. If it held the hub's lock
        meanwhile, every other sender would queue up behind that lock, one thread switch each; measured on a
        10-client burst, that made the server spend twice the CPU on the same messages (docs/performance.md).
        """
        with self._lock:
            if self._wakeup_pending or not self._posted:
                return
            self._wakeup_pending = True
        with contextlib.suppress(OSError):  # a full pipe is woken enough; a closed one means stopping
            self._wakeup_sender.send(b"!")

    def finish(self, member: Member) -> None:
        """Wait (bounded) until everything posted for a member who is leaving was sent, then close their socket."""
        if not self.wait_until_sent(member, WRITE_TIMEOUT):
            member.abort()
        member.close()  # the postman forgets their outbox in its next round

    def wait_until_sent(self, member: Member, timeout: float) -> bool:
        """Wait (bounded) until every line posted so far for a member has gone; return whether it did."""
        with self._lock:
            posted = self._posted_count
        self.wake()
        deadline = time.monotonic() + timeout
        with self._round_done:
            while (self._coalesced_count < posted or member in self._outboxes) and not member.closed and self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._round_done.wait(min(left, WAKE_SECONDS))
        return self._coalesced_count >= posted and member not in self._outboxes

    def stalled(self, now: float) -> list[Member]:
        """Return the members whose socket has not taken everything for longer than the limit (the watchdog asks)."""
        outboxes = self._outboxes.copy()  # one step, so the postman's thread may add and remove outboxes meanwhile
        limit = self.limits.stall_seconds
        return [m for m, box in outboxes.items() if box.behind_since is not None and now - box.behind_since > limit]

    def outbox(self, member: Member) -> Outbox | None:
        """Return what waits for a member (None if nothing does): for tests and the curious, never to change."""
        return self._outboxes.get(member)

    # --- the postman's own thread ---

    def run(self) -> None:
        """Deliver until stop(): sleep until there is work, coalesce what was posted, send each member theirs."""
        try:
            while self._running:
                ready = self._wait()
                for member in self._coalesce() | ready:
                    self._flush(member)
                with self._round_done:
                    self._round_done.notify_all()
        finally:
            self.close()

    def _wait(self) -> set[Member]:
        """Sleep in select until woken through the self-pipe or a full socket can take more; return those members."""
        with Selector() as selector:
            selector.register(self._wakeup_receiver, selectors.EVENT_READ)
            for member in self._outboxes:  # the members who are behind
                with contextlib.suppress(ValueError, KeyError, OSError):  # closed meanwhile: _flush forgets them
                    selector.register(member.sock, selectors.EVENT_WRITE, member)
            ready = selector.select(timeout=WAKE_SECONDS)
        with contextlib.suppress(OSError):
            self._wakeup_receiver.recv(4096)  # empty the self-pipe, so that the next wake() is heard
        closed = {member for member in self._outboxes if member.closed}
        return closed | {key.data for key, _ in ready if key.data is not None}

    def _coalesce(self) -> set[Member]:
        """Take what was posted into the recipients' outboxes, lines in a row for the same members joined first.

        "The same members" means the same set object: a room's members are a frozenset that is replaced when someone
        joins or leaves (rooms.py). So a burst of 100 lines to a room of 500 costs one step per member, not 100.
        """
        with self._lock:
            posted, self._posted, self._wakeup_pending = self._posted, [], False
            count = self._posted_count
        touched: set[Member] = set()
        for _, same_members in groupby(posted, key=lambda item: id(item[1])):
            run = list(same_members)
            data, recipients = b"".join(line for line, _ in run), run[0][1]
            for member in recipients:
                self._add(member, data, len(run))
            touched.update(recipients)
        self._coalesced_count = count
        return touched

    def _add(self, member: Member, data: bytes, lines: int) -> None:
        """Put lines in a member's outbox, or drop the member if their socket refuses bytes and too many wait."""
        # Only a member whose socket refuses bytes can be too far behind: lines also wait a moment while the
        # postman is busy with others, and that must not count against a member who reads well.
        if member.closed:
            return
        outbox = self._outboxes.get(member)
        if outbox is None:
            outbox = self._outboxes[member] = Outbox()
        elif outbox.behind_since is not None and outbox.lines + lines > self.limits.outbox_lines:
            member.drop(f"too far behind: {self.limits.outbox_lines} lines waiting to be read")
            return
        outbox.pieces.append(data)
        outbox.lines += lines

    def _flush(self, member: Member) -> None:
        """Send a member what is left over, then what is pending, each in one call that never waits."""
        outbox = self._outboxes.get(member)
        if outbox is None:
            return
        if outbox.unsent and not member.closed:  # left over from last time: it goes first
            outbox.unsent = self._send(member, outbox.unsent)
        if not outbox.unsent and outbox.pieces and not member.closed:
            lines, outbox.pieces, outbox.lines = b"".join(outbox.pieces), [], 0
            try:
                outbox.unsent = self._send(member, member.channel.wrap(lines))  # TLS: the records that carry them
            except OSError:  # the member's TLS failed (a tampered record came in): nothing can reach them again
                member.abort()
        if member.closed or not (outbox.unsent or outbox.pieces):
            del self._outboxes[member]  # all sent (or nobody to send to): nothing is kept for them
        elif outbox.behind_since is None:
            outbox.behind_since = time.monotonic()

    def _send(self, member: Member, data: bytes) -> bytes:
        """Give the member's socket what it takes without waiting (a non-blocking send); return the rest."""
        try:
            if NO_WAIT:
                sent = member.sock.send(data, NO_WAIT)
            else:  # no MSG_DONTWAIT (Windows): ask select first, then send a little
                _, writable, _ = select.select([], [member.sock], [], 0)
                sent = member.sock.send(data[:SMALL_SEND]) if writable else 0
        except BlockingIOError:
            sent = 0  # the socket's buffer is full
        except OSError:
            member.abort()  # the connection is gone: nothing left worth sending
            return b""
        return data[sent:]

    # --- lifetime ---

    def stop(self) -> None:
        """Ask the postman to finish its round and end."""
        self._running = False
        with contextlib.suppress(OSError):
            self._wakeup_sender.send(b"!")

    def close(self) -> None:
        """Close the self-pipe (run() does it as it ends; a postman that never ran needs it called)."""
        self._wakeup_receiver.close()
        self._wakeup_sender.close()
