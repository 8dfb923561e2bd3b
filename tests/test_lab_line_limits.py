"""The relay reads through the one bounded line buffer: a line over the limit is refused, not held.

Each test sends five megabytes without a newline from a loopback socket, in small chunks, while tracemalloc
watches: the reader must refuse the line having held no more than about the limit, and the rest must carry on.
"""

import socket
import tracemalloc
from collections.abc import Callable, Iterator

import pytest

from chatkit.framing import LineReader
from chatkit.lab.relay import TO_SERVER, Relay
from chatkit.protocol import MAX_LINE_BYTES
from tests.conftest import eventually

HUGE_LINE_BYTES = 5_000_000
CHUNK = b"x" * 65536
HELD_AT_MOST = 1_000_000  # what the reader may have held at its peak: the limit, a read or two, and bookkeeping


def send_a_huge_line(sock: socket.socket) -> int:
    """Send up to HUGE_LINE_BYTES without a newline, in chunks; return how many went out before the peer hung up."""
    sock.settimeout(10)
    sent = 0
    try:
        while sent < HUGE_LINE_BYTES:
            sock.sendall(CHUNK)
            sent += len(CHUNK)
    except OSError:  # refused and closed: exactly what should happen, sooner or later
        pass
    return sent


def peak_while(action: Callable[[], None]) -> int:
    """Run an action under tracemalloc (every thread's allocations); return the peak bytes traced meanwhile."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def read_line(sock: socket.socket) -> bytes:
    """Read one line from a test socket, waiting at most a few seconds."""
    sock.settimeout(10)
    return LineReader(sock.recv, MAX_LINE_BYTES).readline()


@pytest.fixture
def server_listener() -> Iterator[socket.socket]:
    """A loopback socket standing in for the chat server: the test accepts what the relay connects."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(10)
        yield listener


@pytest.fixture
def relay(server_listener: socket.socket) -> Iterator[Relay]:
    """A relay in front of the stand-in server, stopped after the test."""
    with Relay(server_listener.getsockname()[:2]) as started:
        yield started


def connect_through(relay: Relay, server_listener: socket.socket) -> tuple[socket.socket, socket.socket]:
    """Connect a client through the relay; return (the client's socket, the server's end of the same pipe)."""
    client = socket.create_connection(relay.address, timeout=10)
    server_end, _ = server_listener.accept()
    return client, server_end


def test_the_relay_refuses_a_huge_line_without_holding_it(relay: Relay, server_listener: socket.socket) -> None:
    quiet_client, quiet_server_end = connect_through(relay, server_listener)
    loud_client, loud_server_end = connect_through(relay, server_listener)
    with quiet_client, quiet_server_end, loud_client, loud_server_end:

        def flood() -> None:
            send_a_huge_line(loud_client)
            assert eventually(lambda: len(relay.cuts) == 1, seconds=20), "the relay never cut the loud connection"

        peak = peak_while(flood)
        cut = relay.cuts[0]
        assert (cut.connection, cut.direction) == (2, TO_SERVER)
        assert f"more than {MAX_LINE_BYTES} bytes" in cut.reason and "closed this connection" in cut.reason
        assert peak < HELD_AT_MOST, f"the relay held {peak} bytes at its peak for a line it refused"
        assert read_line(loud_server_end) == b"", "nothing of the refused line reaches the server"
        assert not relay.lines(containing="xxxx"), "nothing of the refused line is captured"

        quiet_client.sendall(b"still here\n")  # the other connection carries on, both ways
        assert read_line(quiet_server_end) == b"still here\n"
        quiet_server_end.sendall(b"so am I\n")
        assert read_line(quiet_client) == b"so am I\n"
