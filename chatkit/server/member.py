"""One connected person as the server sees them: a socket, a name, a room, and an outbox with its own writer.

Why an outbox: if the server wrote to every member's socket itself, one member who stops reading would fill their
socket buffer and block the sender's thread, and with it the whole room. Instead each member gets a bounded queue
and a writer thread; past the bound the member is dropped with a reason, and everyone else carries on.
"""

import contextlib
import queue
import socket
import threading

OUTBOX_LINES = 2000  # lines waiting for one slow reader before the server gives up on them
WRITE_TIMEOUT = 10.0  # seconds finish() waits for the writer to send what is queued


class Member:
    """A connection the server reads from on one thread and writes to on another."""

    def __init__(self, sock: socket.socket, peer: str) -> None:
        self.sock = sock
        self.peer = peer
        self.name = ""
        self.room = ""
        self.pubkey = ""  # sealed mode: the member's public signing key, relayed with each message
        self.outbox: queue.Queue[bytes | None] = queue.Queue(maxsize=OUTBOX_LINES)
        self.closed = threading.Event()
        self.writer = threading.Thread(target=self._write_forever, name=f"chatkit-writer-{peer}", daemon=True)

    def __repr__(self) -> str:
        return f"Member({self.name or '?'}@{self.peer} in {self.room or '-'})"

    def start_writer(self) -> None:
        """Start the thread that sends this member's outbox."""
        self.writer.start()

    def deliver(self, line: bytes) -> bool:
        """Queue a line for this member; return False (and drop them) if they are too far behind."""
        if self.closed.is_set():
            return False
        try:
            self.outbox.put_nowait(line)
            return True
        except queue.Full:
            self.abort()
            return False

    def _write_forever(self) -> None:
        """Send queued lines, several at a time when they pile up, until told to stop."""
        while (line := self.outbox.get()) is not None:
            chunk = [line]
            while len(chunk) < 256 and not self.outbox.empty():
                more = self.outbox.get_nowait()
                if more is None:
                    self._send(b"".join(chunk))
                    return
                chunk.append(more)
            if not self._send(b"".join(chunk)):
                return

    def _send(self, data: bytes) -> bool:
        """Write bytes to the socket; on any failure drop the connection."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            self.abort()
            return False

    def finish(self) -> None:
        """Let the writer send what is queued, then close the socket (used when the reader is done)."""
        try:
            self.outbox.put(None, timeout=1.0)
        except queue.Full:
            self.abort()  # the writer's next send fails and it stops
        if self.writer.is_alive() and self.writer is not threading.current_thread():
            self.writer.join(timeout=WRITE_TIMEOUT)
        self.closed.set()
        self.sock.close()

    def abort(self) -> None:
        """Cut the connection now: the reader sees end of input and cleans up."""
        self.closed.set()
        with contextlib.suppress(OSError):  # already closed by the other side
            self.sock.shutdown(socket.SHUT_RDWR)
