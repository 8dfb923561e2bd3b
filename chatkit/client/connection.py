"""One TCP connection to a chat server: whole lines out, and a thread that reads lines in until the end.

The reader is the one bounded line reader (framing.py): a line longer than protocol.MAX_LINE_BYTES is refused as
soon as that is certain, never held, and the connection is closed. Everything that happens is reported as an event
(Wire for each line, Problem for a refused one, Closed at the end), so the thread never ends silently.
"""

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable

from chatkit import protocol
from chatkit.channel import Channel, PlainChannel, TlsChannel
from chatkit.client import tls
from chatkit.client.events import Closed, Event, Problem, Wire
from chatkit.framing import LineReader, LineTooLong
from chatkit.protocol import ChatError

CONNECT_SECONDS = 10.0
GOODBYE_SECONDS = 2.0  # how long close() waits for the server to hang up after our 'quit'
CLOSED_BY_YOU = "closed by you"
Handle = Callable[[bytes], bool]  # what to do with a line that arrived; True means: hang up now


class CannotConnect(ChatError):
    """No server answered at the address given."""


class Connection:
    """A connected socket and its receiver thread, which hands each line to `handle` and reports every event.

    Lines go through `channel` both ways (chatkit/channel.py): plain, or TLS records in memory over the plain socket,
    so the receiver thread and a sender never share a TLS object unguarded.
    """

    def __init__(
        self,
        sock: socket.socket,
        handle: Handle,
        report: Callable[[Event], None],
        name: str,
        channel: Channel | None = None,
    ) -> None:
        self.sock, self.handle, self.report = sock, handle, report
        self.channel = channel or PlainChannel(sock)
        self.ended = threading.Event()
        self.end_reason = ""  # why it ended, once `ended` is set
        self._closing = threading.Event()
        self._send_lock = threading.Lock()  # one whole line at a time
        self._thread = threading.Thread(target=self._receive_forever, name=f"chatkit-client-{name}", daemon=True)

    @classmethod
    def open(
        cls,
        host: str,
        port: int,
        handle: Handle,
        report: Callable[[Event], None],
        name: str,
        tls_context: ssl.SSLContext | None = None,
    ) -> "Connection":
        """Connect (in TLS if given a context; each line is sent at once) and start reading.

        Raise CannotConnect if nobody answers, tls.TlsFailed (in words) if the TLS handshake fails.
        """
        try:
            sock = socket.create_connection((host, port), timeout=CONNECT_SECONDS)
        except OSError as error:
            raise CannotConnect(f"cannot connect to {host}:{port}: {error.strerror or error}") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        channel = None if tls_context is None else start_tls(sock, tls_context, host, port)
        sock.settimeout(None)
        connection = cls(sock, handle, report, name, channel)
        connection._thread.start()
        return connection

    def send_line(self, line: bytes) -> None:
        """Send one line, whole; raise ChatError if the connection is gone."""
        if self.ended.is_set():
            raise ChatError("not connected")
        try:
            with self._send_lock:  # wrapped and sent under one lock: TLS records go out in the order made
                self.sock.sendall(self.channel.wrap(line))
        except OSError as error:
            raise ChatError(f"connection lost ({error.strerror or error})") from None
        self.report(Wire("sent", line))

    def close(self) -> None:
        """Say goodbye, wait (bounded) until the server hangs up and the receiver thread ends, close the socket.

        Waiting for the server's side to close means it has let go of our name: connecting again at once works.
        """
        self._say_goodbye()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=GOODBYE_SECONDS)
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # a server that did not hang up: stop reading anyway
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=GOODBYE_SECONDS)
        self.sock.close()

    def _say_goodbye(self) -> None:
        """Send 'quit' and shut our side: nothing more from us (the receiver reads on until the server's end)."""
        self._closing.set()
        with contextlib.suppress(OSError):  # the server may be gone already (or we said goodbye before)
            with self._send_lock:
                self.sock.sendall(self.channel.wrap(protocol.encode({"type": "quit"})))
            self.sock.shutdown(socket.SHUT_WR)

    def _receive_forever(self) -> None:
        """Hand every line to `handle` until the end of input or a hang-up; report the end as a Closed event."""
        reason = "connection lost"
        try:
            reason = self._read_lines(LineReader(self.channel.recv, protocol.MAX_LINE_BYTES))
        except LineTooLong as error:  # refused without being held: a server that sends it is not talked to
            self.report(Problem("malformed", f"from the server: {error}; closing the connection"))
            reason = "connection closed: a line from the server was too long"
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)
        except (OSError, ChatError):  # the socket failed, or sending a reply did: the connection is lost
            pass
        finally:
            self.end_reason = CLOSED_BY_YOU if self._closing.is_set() else reason
            self.ended.set()
            self.report(Closed(self.end_reason))

    def _read_lines(self, reader: LineReader) -> str:
        """Handle lines until the end of input, or until `handle` asks to hang up; return why the reading ended."""
        while line := reader.readline():
            self.report(Wire("received", line))
            if self.handle(line):
                self._hang_up(reader)
                return CLOSED_BY_YOU
        return "connection closed by the server"

    def _hang_up(self, reader: LineReader) -> None:
        """Hang up from this thread as close() does: say goodbye, read on (bounded) to the server's end, close.

        Only once the server has hung up has it let go of our name, so that connecting again at once works.
        """
        self._say_goodbye()
        self.sock.settimeout(GOODBYE_SECONDS)
        with contextlib.suppress(OSError, LineTooLong):
            while reader.readline():  # what the server still says as we leave is not acted on
                pass
        self.close()


def start_tls(sock: socket.socket, context: ssl.SSLContext, host: str, port: int) -> TlsChannel:
    """Do the TLS handshake on a connected socket (bounded in time); raise tls.TlsFailed in words if it fails."""
    sock.settimeout(tls.HANDSHAKE_SECONDS)
    try:
        channel = TlsChannel(sock, context, server_hostname=host)
        channel.handshake(tls.HANDSHAKE_SECONDS)
    except OSError as error:  # ssl.SSLError is one too
        sock.close()
        raise tls.explain(error, host, port) from None
    return channel
