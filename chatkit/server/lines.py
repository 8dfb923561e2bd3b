"""Cut a connection's byte stream into lines, holding little while a connection waits.

TCP delivers bytes, not messages: one `recv` may return half a line, or three lines and a bit. The newline says
where each line ends (protocol.py). `sock.makefile("rb").readline()` would do this too, but it keeps an 8 KiB
buffer per connection, and a `recv(8192)` holds 8 KiB for as long as it waits. With 2,000 quiet students that
is memory held for nothing. So a connection waiting for its next line waits with a small buffer, and one that
is busy (its last read brought a lot) reads in bigger pieces, up to 64 KiB.
"""

import socket

QUIET_READ = 512  # bytes asked for while waiting: most chat lines fit, and a quiet connection holds little
BUSY_READ = 65536  # the most asked for at once when reads keep coming back full: take a burst in few calls


class LineReader:
    """Read newline-terminated lines from a socket; a line with no end in sight is cut after `limit` + 1 bytes."""

    __slots__ = ("sock", "limit", "_buffer", "_searched", "_read_size")

    def __init__(self, sock: socket.socket, limit: int) -> None:
        self.sock = sock
        self.limit = limit
        self._buffer = bytearray()  # bytes received and not returned yet
        self._searched = 0  # how much of the buffer is known to hold no newline
        self._read_size = QUIET_READ

    def readline(self) -> bytes:
        """Return the next line with its newline; at end of input, what is left (b"" or half a line).

        A line longer than `limit` comes back longer than `limit` (cut at `limit` + 1 bytes, without its newline,
        if its end has not arrived yet): the caller refuses it. So a 10 MB line never piles up in memory.
        """
        while True:
            end = self._buffer.find(b"\n", self._searched)
            if end >= 0:
                return self._take(end + 1)
            if len(self._buffer) > self.limit:
                return self._take(self.limit + 1)
            self._searched = len(self._buffer)
            chunk = self.sock.recv(self._read_size)
            # Plenty came: ask for twice as much next time (up to BUSY_READ). Little came: back to a small read.
            self._read_size = max(QUIET_READ, min(BUSY_READ, 2 * len(chunk)))
            if not chunk:
                return self._take(len(self._buffer))
            self._buffer += chunk

    def _take(self, stop: int) -> bytes:
        """Remove the first `stop` bytes from the buffer and return them."""
        taken = bytes(self._buffer[:stop])
        if stop >= len(self._buffer):
            self._buffer = bytearray()  # a fresh, empty buffer: let go of whatever a big read made it grow to
        else:
            del self._buffer[:stop]
        self._searched = 0
        return taken
