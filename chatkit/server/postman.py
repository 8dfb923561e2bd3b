"""The postman: one thread per server that writes to every member's socket, many lines per system call.

Why not let the sender's thread write to each member itself? Each `send` is a system call, and a system call
costs about the same for 100 bytes as for 100 kilobytes. With 500 people in a room, ten fast senders mean 5,000
calls per round of messages, and that is what limits the server. So reading stays one thread per member (the
simple design the kit teaches), but writing is handed to a postman:

- A thread with something to say calls `post(line, recipients)`: the line goes into the postman's outbox, in
  order, with the set of members it is for (a room's members, or just one person for a reply). Once that thread
  has let go of its locks it calls `wake()`.
- The postman wakes at once and takes the whole outbox. Lines in a row for the same members are joined into one
  piece of bytes, and each member gets that piece once: under a burst, one step per member, not one per line.
- It then gives each socket everything pending in ONE send that never waits. At a normal pace that is one line,
  sent immediately; under a burst, many lines in one call.
- Whatever a socket cannot take yet stays with the member; the postman retries when the socket is writable
  (a `selectors` wait). Nobody waits for a slow reader; the watchdog drops one who stays behind too long.

The postman sleeps in `select` on the sockets of members who are behind plus a "bell": one end of a socket pair
that `wake()` writes a byte to. That way a new line wakes it immediately, never after a polling delay.
"""

import contextlib
import selectors
import socket
import threading
import time
from collections.abc import Collection, Iterable
from itertools import groupby

from chatkit.server.member import Member

WAKE_SECONDS = 0.5  # the longest the postman sleeps without a reason (it checks whether it should stop)
# poll() needs no set-up call of its own, so a fresh selector each round costs one system call (Windows: select)
Selector = getattr(selectors, "PollSelector", selectors.SelectSelector)
Letter = tuple[bytes, Collection[Member]]  # a line, and the members it is for


class Postman:
    """Write lines to members' sockets on one thread, coalescing whatever piled up meanwhile."""

    def __init__(self) -> None:
        self._outbox: list[Letter] = []  # lines posted and not yet handed to their members, oldest first
        self._posted = 0  # how many letters were ever posted
        self._handed = 0  # how many of them the postman has handed to their members
        self._behind: set[Member] = set()  # members whose socket could not take everything yet
        self._lock = threading.Lock()  # guards _outbox, _posted and _rung
        self._round_done = threading.Condition()  # notified after every round, for wait_until_sent()
        self._rung = False  # a byte is in the bell and not yet read: no need to ring again
        self._bell, self._bell_rope = socket.socketpair()
        self._bell.setblocking(False)
        self._bell_rope.setblocking(False)
        self.running = True

    def post(self, line: bytes, recipients: Collection[Member]) -> None:
        """Put a line in the outbox for these members. Nothing is sent until someone calls wake()."""
        with self._lock:
            self._outbox.append((line, recipients))
            self._posted += 1

    def wake(self) -> None:
        """Ring the bell if there is mail and it is not rung yet. Call it only once you hold no lock.

        Ringing is a system call, and a thread in a system call lets other threads run. If it held the room's lock
        meanwhile, every other sender would queue up behind that lock, one thread switch each; measured on a
        10-client burst, that made the server spend twice the CPU on the same messages (docs/performance.md).
        """
        with self._lock:
            if self._rung or not self._outbox:
                return
            self._rung = True
        with contextlib.suppress(OSError):  # a full bell is rung enough; a closed one means stopping
            self._bell_rope.send(b"!")

    def stop(self) -> None:
        """Ask the postman to finish its round and end."""
        self.running = False
        with contextlib.suppress(OSError):
            self._bell_rope.send(b"!")

    def run(self) -> None:
        """Deliver mail until stop(), then close the bell."""
        try:
            while self.running:
                writable = self._wait()
                posted, letters = self._take_outbox()
                for member in hand_out(letters) | writable:
                    self._send(member)
                with self._round_done:
                    self._handed = posted
                    self._round_done.notify_all()
        finally:
            self._bell.close()
            self._bell_rope.close()

    def _wait(self) -> set[Member]:
        """Sleep until the bell rings or a member who is behind can take more; return those (and any closed)."""
        with Selector() as selector:
            selector.register(self._bell, selectors.EVENT_READ)
            watched = self._watch(selector, self._behind)
            ready = selector.select(timeout=WAKE_SECONDS)
        closed = {member for member in self._behind if member.closed}  # to be forgotten
        return closed | {member for key, _ in ready if (member := watched.get(key.fd)) is not None}

    @staticmethod
    def _watch(selector: selectors.BaseSelector, members: Iterable[Member]) -> dict[int, Member]:
        """Register the sockets of members who are behind for writing; return them by file number."""
        watched = {}
        for member in members:
            with contextlib.suppress(ValueError, KeyError, OSError):  # closed meanwhile: forgotten below
                selector.register(member.sock, selectors.EVENT_WRITE)
                watched[member.sock.fileno()] = member
        return watched

    def _take_outbox(self) -> tuple[int, list[Letter]]:
        """Empty the bell and take the outbox; return it with the number of letters posted so far."""
        with contextlib.suppress(OSError):
            self._bell.recv(4096)
        with self._lock:
            letters, self._outbox, self._rung = self._outbox, [], False
            return self._posted, letters

    def _send(self, member: Member) -> None:
        """Send a member what is left over, then what is pending, each in one call that never waits."""
        if member.closed:
            member.forget_mail()
        elif not member.unsent or member.send_unsent():
            member.unsent = member.take_pending()
            if member.unsent:
                member.send_unsent()
        self._note_progress(member)

    def _note_progress(self, member: Member) -> None:
        """Keep a member who is behind on the watch list (and note since when); forget one who caught up."""
        if member.unsent and not member.closed:
            self._behind.add(member)
            if member.behind_since is None:
                member.behind_since = time.monotonic()
        else:
            self._behind.discard(member)
            member.behind_since = None

    def wait_until_sent(self, member: Member, timeout: float) -> bool:
        """Wait (bounded) until every line posted so far for a member has gone; return whether it did."""
        with self._lock:
            posted = self._posted
        self.wake()
        deadline = time.monotonic() + timeout
        with self._round_done:
            while (self._handed < posted or member.has_mail()) and not member.closed and self.running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._round_done.wait(min(left, WAKE_SECONDS))
        return self._handed >= posted and not member.has_mail()


def hand_out(letters: list[Letter]) -> set[Member]:
    """Give each member their lines; return who got some.

    Letters in a row for the same members (the same set object: a room's members are a set that is replaced when
    someone joins or leaves) are joined first, so a burst of 100 lines to a room of 500 costs one step per member.
    """
    touched: set[Member] = set()
    for _, run in groupby(letters, key=lambda letter: id(letter[1])):
        same = list(run)
        data, recipients = b"".join(line for line, _ in same), same[0][1]
        for member in recipients:
            member.queue(data, len(same))
        touched.update(recipients)
    return touched
