"""The threaded client on real loopback sockets: the bounded reader, refusals with their codes, connecting again.

A fake server (a listening socket and one thread, on 127.0.0.1) plays a server that misbehaves on purpose.
Every wait is bounded; every socket and thread a test opens is closed or joined when it ends.
"""

import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chatkit import protocol
from chatkit.client import CannotConnect, ChatClient, ChatError, Closed, Problem, Refused
from chatkit.lab.relay import Relay
from chatkit.server import ChatServer, conversation

from .conftest import FAST_ITERATIONS, PASSWORD, Connect, StartServer

HUGE_LINE_BYTES = 5_000_031  # what issue 9 measured: a line this long used to be read in full, and copied twice
CHUNK = b"x" * 65536
WAIT_SECONDS = 20.0

Script = Callable[[socket.socket, threading.Event], None]  # what the fake server does with its connection, and "go"


class FakeServer:
    """Accept one connection on 127.0.0.1 and run `script` on it in a thread; stop() ends both."""

    def __init__(self, script: Script) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(WAIT_SECONDS)
        self.address: tuple[str, int] = self.listener.getsockname()[:2]
        self.go = threading.Event()  # scripts may wait for the test's signal
        self.errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._serve, args=(script,), daemon=True)
        self._thread.start()

    def _serve(self, script: Script) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(WAIT_SECONDS)
            try:
                script(conn, self.go)
            except OSError:
                pass  # the client hung up on us: what several tests expect
            except BaseException as error:  # noqa: BLE001  (reported to the test, not lost in the thread)
                self.errors.append(error)

    def stop(self) -> None:
        self.go.set()
        self.listener.close()
        self._thread.join(WAIT_SECONDS)
        assert not self._thread.is_alive(), "the fake server's thread did not end"
        assert not self.errors, self.errors


@pytest.fixture
def fake() -> Iterator[Callable[[Script], FakeServer]]:
    started: list[FakeServer] = []

    def start(script: Script) -> FakeServer:
        started.append(FakeServer(script))
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def client_of() -> Iterator[Callable[[FakeServer], ChatClient]]:
    made: list[ChatClient] = []

    def make(server: FakeServer) -> ChatClient:
        made.append(ChatClient(*server.address, "alice", PASSWORD, mode="classic"))
        return made[-1]

    yield make
    for client in made:
        client.close()


def read_line(conn: socket.socket) -> bytes:
    """Read one short line from the client (the fake server's own reader: a few hundred bytes at most)."""
    data = b""
    while not data.endswith(b"\n") and len(data) < 4096:
        chunk = conn.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def send_huge_line(conn: socket.socket) -> None:
    """Send a line of HUGE_LINE_BYTES, newline included, in 64 KiB pieces (nothing big is held here either)."""
    left = HUGE_LINE_BYTES - 1
    while left > 0:
        conn.sendall(CHUNK[: min(left, len(CHUNK))])
        left -= len(CHUNK)
    conn.sendall(b"\n")


def welcome_then(after: Callable[[socket.socket], None]) -> Script:
    """A fake server that reads the hello, puts the client in 'general', waits for the test's go, then `after`."""

    def script(conn: socket.socket, go: threading.Event) -> None:
        read_line(conn)
        conn.sendall(protocol.encode({"type": "joined", "room": "general"}))
        go.wait(WAIT_SECONDS)
        after(conn)

    return script


# --- the one bounded reader ---


def test_a_five_megabyte_line_is_refused_without_being_held(
    fake: Callable[[Script], FakeServer], client_of: Callable[[FakeServer], ChatClient]
) -> None:
    server = fake(welcome_then(send_huge_line))
    client = client_of(server).connect()
    tracemalloc.start()
    try:
        server.go.set()
        problem = client.wait_for_problem("malformed", timeout=WAIT_SECONDS)
        closed = client.wait_for(lambda e: isinstance(e, Closed), WAIT_SECONDS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(protocol.MAX_LINE_BYTES) in problem.text and "closing the connection" in problem.text
    assert isinstance(closed, Closed) and "too long" in closed.reason
    assert not client.connected
    assert peak < 1_000_000, f"the client held {peak:,} bytes at its peak for a {HUGE_LINE_BYTES:,}-byte line"
    received = [e for e in client.history if getattr(e, "direction", "") == "received"]
    assert all(len(e.line) <= protocol.MAX_LINE_BYTES for e in received)  # type: ignore[union-attr]


def test_a_line_over_the_limit_during_connect_fails_the_connect(
    fake: Callable[[Script], FakeServer], client_of: Callable[[FakeServer], ChatClient]
) -> None:
    def script(conn: socket.socket, go: threading.Event) -> None:
        read_line(conn)
        send_huge_line(conn)

    client = client_of(fake(script))
    with pytest.raises(ChatError, match="too long") as raised:
        client.connect()
    assert not isinstance(raised.value, Refused)  # a local failure, not the server's refusal
    assert client.wait_for_problem("malformed", timeout=WAIT_SECONDS)


# --- one refusal type, with the server's code ---


def test_a_refused_join_raises_the_servers_code_at_once_and_the_connection_goes_on(
    fake: Callable[[Script], FakeServer], client_of: Callable[[FakeServer], ChatClient]
) -> None:
    def refuse_joins(conn: socket.socket) -> None:
        read_line(conn)  # the join
        conn.sendall(protocol.encode({"type": "error", "code": "not_supported", "text": "no rooms here"}))
        read_line(conn)  # the 'who' that follows
        conn.sendall(protocol.encode({"type": "members", "room": "general", "names": ["alice"]}))
        read_line(conn)  # the quit

    server = fake(welcome_then(refuse_joins))
    client = client_of(server).connect()
    server.go.set()
    with pytest.raises(Refused) as raised:
        client.join("maths")
    assert raised.value.code == "not_supported" and "no rooms here" in str(raised.value)
    assert client.connected and client.room == "general"
    client.ask_who()
    client.wait_for(lambda e: getattr(e, "names", None) == ["alice"], WAIT_SECONDS)


def test_a_taken_name_is_refused_with_its_code(start_server: StartServer, connect: Connect) -> None:
    server = start_server("sealed")
    connect(server, "alice")
    with pytest.raises(Refused, match="already taken") as raised:
        connect(server, "alice")
    assert raised.value.code == "name_taken"


@pytest.mark.parametrize("mode", ["classic", "sealed"])
def test_a_wrong_password_is_refused_with_its_code(mode: str, start_server: StartServer, connect: Connect) -> None:
    server = start_server(mode)
    alice, bob = connect(server, "alice"), connect(server, "bob")
    alice.send("first")  # once it is relayed, the server has also taken alice's room check (sealed)
    bob.wait_for_message("first", timeout=WAIT_SECONDS)
    with pytest.raises(Refused, match="wrong password") as raised:
        connect(server, "mallory", password="not the password")
    assert raised.value.code == "wrong_password"


def test_nobody_listening_is_a_local_failure_not_a_refusal() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(CannotConnect, match="cannot connect") as raised:
        ChatClient("127.0.0.1", port, "alice", PASSWORD, mode="classic").connect()
    assert not isinstance(raised.value, Refused)


# --- connecting again ---


def test_connect_works_again_after_the_connection_was_lost(start_server: StartServer, tmp_path: Path) -> None:
    server = start_server("sealed")
    port = server.address[1]
    alice = ChatClient("127.0.0.1", port, "alice", PASSWORD, iterations=FAST_ITERATIONS).connect()
    again = ChatServer("sealed", port=port, db=tmp_path / "again.db")
    bob = ChatClient("127.0.0.1", port, "bob", PASSWORD, iterations=FAST_ITERATIONS)
    try:
        server.stop()
        closed = alice.wait_for(lambda e: isinstance(e, Closed), WAIT_SECONDS)
        assert isinstance(closed, Closed) and closed.reason != "closed by you" and not alice.connected
        again.start()
        assert alice.connect() is alice and alice.connected  # the same client, a new connection
        bob.connect()
        alice.send("still here")
        assert bob.wait_for_message("still here", sender="alice", timeout=WAIT_SECONDS)
        assert not any(isinstance(e, Problem) and e.code == "key_changed" for e in bob.history)
    finally:
        alice.close()
        bob.close()
        again.stop()


def test_connect_works_again_after_close(start_server: StartServer, connect: Connect) -> None:
    server = start_server("classic")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    alice.close()
    assert not alice.connected and alice not in ChatClient.live
    assert not any("alice" in names for names in server.roster().values())  # close() waited for the server's goodbye
    alice.connect()  # at once: the name is free again
    assert alice.connected and alice in ChatClient.live
    alice.send("back again")
    assert bob.wait_for_message("back again", timeout=WAIT_SECONDS)


def test_close_all_closes_every_live_client(start_server: StartServer, connect: Connect) -> None:
    server = start_server("classic")
    people = [connect(server, name) for name in ("alice", "bob")]
    ChatClient.close_all()
    assert not any(person.connected for person in people) and not set(people) & set(ChatClient.live)


def test_a_client_that_hangs_up_itself_waits_until_the_server_has_let_go_of_its_name(
    start_server: StartServer, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused room makes the client hang up from its receiver thread; connecting again at once must still work.

    The server here takes 0.5 s over each goodbye: the client must wait for the server's end (bounded), as close()
    does, and not hang up and return at once (then the name was still taken: a flake seen in a full run).
    """

    def slow_quit(hub: object, member: object, frame: object) -> None:
        time.sleep(0.5)
        conversation.on_quit(hub, member, frame)  # type: ignore[arg-type]

    monkeypatch.setitem(conversation.HANDLERS, "quit", slow_quit)
    server = start_server("sealed")
    connect(server, "mallory", "not the passphrase")  # creates 'general' with cheap PBKDF2 (below a default floor)
    with pytest.raises(Refused) as refused:
        connect(server, "alice", iterations=None)  # refuses the weak room: the receiver thread hangs up
    assert refused.value.code == "weak_room"
    alice = connect(server, "alice", iterations=None, despite_check=True)  # at once: the name is free again
    assert alice.connected


def test_a_client_that_closes_through_a_relay_can_connect_again_at_once(
    start_server: StartServer, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    """close() waits for the server's end; a relay must pass our end on and wait for the server's, not cut both.

    Before, the relay closed both sides as soon as the client shut its own: the client saw "the server's end"
    while the server was still taking its goodbye, and connecting again at once found the name taken (a notebook
    10 flake in a clean-clone run).
    """

    def slow_quit(hub: object, member: object, frame: object) -> None:
        time.sleep(0.5)
        conversation.on_quit(hub, member, frame)  # type: ignore[arg-type]

    monkeypatch.setitem(conversation.HANDLERS, "quit", slow_quit)
    server = start_server("sealed")
    with Relay(server.address) as relay:
        alice = ChatClient(*relay.address, "alice", PASSWORD, iterations=FAST_ITERATIONS)
        alice.connect()
        alice.close()
        again = ChatClient(*relay.address, "alice", PASSWORD, iterations=FAST_ITERATIONS)
        try:
            assert again.connect().connected  # at once: the name is free again
        finally:
            again.close()
