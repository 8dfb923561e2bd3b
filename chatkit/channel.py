"""What a connection's bytes carry: the chat's lines as they are (`PlainChannel`), or inside TLS (`TlsChannel`).

A connection is read by one thread (its reader) and written by another (the postman, or whoever sends). The obvious
TLS socket, `ssl.SSLSocket`, does both through one OpenSSL object, and OpenSSL does not promise that one object may
be used by two threads at once: the kit's first TLS version did that, and a connection now and then failed with
"[SSL] internal error" or stopped hearing its peer (tests/test_tls_threads.py runs the crowd that showed it).

So TLS is kept apart from the socket here, in the ssl module's "bring your own I/O" form: an `ssl.SSLObject` over
two in-memory buffers (`ssl.MemoryBIO`), one for bytes that came in and one for bytes to go out. The socket stays a
plain TCP socket. Every TLS step is a short call in memory, made under one lock, and nobody holds that lock while
waiting for the network:

- reading (`recv`): bytes from the socket go in, the plaintext they carry comes out;
- writing (`wrap`): plaintext goes in, the TLS records that carry it come out, to be written to the socket, in the
  order they were wrapped, by whoever writes. The postman can then send them without waiting, as it sends plain
  lines.

Both channels have the same two calls, so the server and the client use either without asking which it is.
"""

import socket
import ssl
import threading
import time
from typing import Protocol

READ_BYTES = 65536  # asked of the socket at once: several full TLS records (16 KiB of plaintext each)


class Channel(Protocol):
    """What the reader and the writers of one connection need: plaintext in, bytes for the socket out."""

    def recv(self, size: int) -> bytes:
        """Return up to `size` bytes of what the peer sent (waiting for them); b"" at the end of input."""

    def wrap(self, data: bytes) -> bytes:
        """Return the bytes that carry `data` on the socket."""


class PlainChannel:
    """No TLS: the bytes on the socket are the lines themselves."""

    __slots__ = ("sock",)

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def recv(self, size: int) -> bytes:
        return self.sock.recv(size)

    def wrap(self, data: bytes) -> bytes:
        return data


class TlsChannel:
    """TLS over a plain socket, in memory: safe to read on one thread while others wrap lines to send."""

    __slots__ = ("sock", "_incoming", "_outgoing", "_tls", "_lock")

    def __init__(self, sock: socket.socket, context: ssl.SSLContext, server_hostname: str | None = None) -> None:
        """Set up TLS on `sock`, sending nothing yet: a client's side if given the name it dialled, else a server's."""
        self.sock = sock
        self._incoming, self._outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self._tls = context.wrap_bio(
            self._incoming, self._outgoing, server_side=server_hostname is None, server_hostname=server_hostname
        )
        self._lock = threading.Lock()  # one TLS step at a time: the SSLObject is used by more than one thread

    def handshake(self, seconds: float) -> None:
        """Run the TLS handshake over the socket, all of it within `seconds`; raise OSError if it fails.

        Called before anyone else uses the channel. ssl.SSLCertVerificationError says the certificate was not
        believed; ConnectionResetError that the peer left; TimeoutError that the time was up. The limit is for the
        whole handshake, not for each wait: a peer that sends one byte now and then is cut all the same.
        """
        deadline = time.monotonic() + seconds
        while True:
            try:
                with self._lock:
                    self._tls.do_handshake()
                break
            except ssl.SSLWantReadError:  # our part of the exchange is written: send it, then wait for theirs
                self.sock.sendall(self.wrap(b""))
                self._wait_until(deadline, seconds)
                if not self._take_in():
                    raise ConnectionResetError("the peer closed the connection during the TLS handshake") from None
        self.sock.sendall(self.wrap(b""))  # our last handshake message (a server's also carries its tickets)

    def _wait_until(self, deadline: float, seconds: float) -> None:
        """Let the socket's next wait last until the deadline at most; raise TimeoutError once it has passed."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"the TLS handshake took longer than {seconds:g} s")
        self.sock.settimeout(left)

    def recv(self, size: int) -> bytes:
        """Return up to `size` bytes of plaintext, reading from the socket only once none is waiting here.

        At the end of input (the TCP connection or TLS's own goodbye) return b"", as a plain socket would; a record
        cut off by the end is dropped with it. A record that fails its check (tampered) raises ssl.SSLError.
        """
        while True:
            with self._lock:
                try:
                    return self._tls.read(size)
                except ssl.SSLWantReadError:  # no whole record here: read more from the socket (outside the lock)
                    pass
                except ssl.SSLZeroReturnError:
                    return b""
            if not self._take_in():
                return b""

    def wrap(self, data: bytes) -> bytes:
        """Return the TLS records that carry `data` (b"": whatever TLS itself has to send), to write in this order."""
        with self._lock:
            if data:
                self._tls.write(data)  # into memory: it always takes all of it
            return self._outgoing.read()

    def version(self) -> str | None:
        """The TLS version agreed on ('TLSv1.3'), once the handshake is done."""
        return self._tls.version()

    def _take_in(self) -> bool:
        """Read what the socket has for TLS into its incoming buffer; return False at the end of input."""
        data = self.sock.recv(READ_BYTES)
        if data:
            with self._lock:
                self._incoming.write(data)
        return bool(data)
