"""Framing: cut a stream of bytes into lines, never holding more than a limit. Pure: bytes in, lines out.

TCP delivers bytes, not messages: one `recv` may return half a line, or three lines and a bit. The newline says
where each message ends (protocol.py). `LineBuffer` keeps what has arrived and hands out whole lines; it owns no
socket, so it is tested with plain bytes (h11's `ReceiveBuffer` works the same way for HTTP):

>>> buffer = LineBuffer(limit=16)
>>> buffer.feed(b"hel")
>>> buffer.next_line() is None          # no newline yet: wait for more
True
>>> buffer.feed(b"lo\\nwor")
>>> buffer.next_line()
b'hello\\n'
>>> buffer.feed(b"ld\\n")
>>> buffer.next_line()
b'world\\n'

A line longer than the limit is refused as soon as that is certain, before its end arrives, so a peer that
sends ten megabytes without a newline never makes us hold them:

>>> buffer.feed(b"x" * 17)
>>> buffer.next_line()
Traceback (most recent call last):
    ...
chatkit.framing.LineTooLong: a line of more than 16 bytes arrived (the limit is 16); it was refused

`LineReader` is the thin I/O part: it asks a `recv` function (a socket's) for bytes and feeds them in.
"""

from collections.abc import Callable

QUIET_READ = 512  # bytes asked for while waiting: most chat lines fit, and a quiet connection holds little
BUSY_READ = 65536  # the most asked for at once when reads keep coming back full: take a burst in few calls


class LineTooLong(ValueError):
    """A line went past the size limit; nothing of it is kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"a line of more than {limit} bytes arrived (the limit is {limit}); it was refused")
        self.limit = limit


class LineBuffer:
    """Bytes that arrived and are not yet a whole line; hands out whole lines, refuses any over `limit` bytes.

    The limit counts the newline: a line of `limit` bytes, newline included, is the longest accepted.
    """

    __slots__ = ("limit", "_data", "_searched")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._data = bytearray()
        self._searched = 0  # how much of _data is known to hold no newline (so no byte is searched twice)

    def __len__(self) -> int:
        return len(self._data)

    def feed(self, data: bytes) -> None:
        """Add bytes that arrived."""
        self._data += data

    def next_line(self) -> bytes | None:
        """Return the next whole line with its newline, or None until one has arrived; raise LineTooLong."""
        end = self._data.find(b"\n", self._searched)
        if end < 0:
            self._searched = len(self._data)
            if len(self._data) > self.limit:
                self._refuse()
            return None
        if end + 1 > self.limit:
            self._refuse()
        return self._take(end + 1)

    def rest(self) -> bytes:
        """Take what is left, a line without its newline (at end of input: the peer stopped halfway)."""
        return self._take(len(self._data))

    def _take(self, stop: int) -> bytes:
        """Remove the first `stop` bytes and return them."""
        taken = bytes(self._data[:stop])
        if stop >= len(self._data):
            self._data = bytearray()  # a fresh buffer: let go of whatever a big read made it grow to
        else:
            del self._data[:stop]
        self._searched = 0
        return taken

    def _refuse(self) -> None:
        """Forget everything buffered and raise LineTooLong: the line is refused, not held."""
        self._data, self._searched = bytearray(), 0
        raise LineTooLong(self.limit)


class LineReader:
    """Read whole lines through a LineBuffer from `recv(size)`, asking for little while the peer is quiet.

    A waiting connection waits with a 512-byte read: with 2,000 quiet students, an 8 KiB read each
    (what `sock.makefile("rb")` does) would be memory held for nothing. A busy one doubles its read size while
    reads come back full, up to 64 KiB, so a burst arrives in few calls.
    """

    __slots__ = ("recv", "buffer", "_read_size")

    def __init__(self, recv: Callable[[int], bytes], limit: int) -> None:
        self.recv = recv
        self.buffer = LineBuffer(limit)
        self._read_size = QUIET_READ

    def readline(self) -> bytes:
        """Return the next line with its newline; at end of input what is left (b"" or half a line).

        Raises LineTooLong for a line over the limit (after reading at most the limit and one read more).
        """
        while (line := self.buffer.next_line()) is None:
            chunk = self.recv(self._read_size)
            if not chunk:
                return self.buffer.rest()
            self._read_size = max(QUIET_READ, min(BUSY_READ, 2 * len(chunk)))
            self.buffer.feed(chunk)
        return line
