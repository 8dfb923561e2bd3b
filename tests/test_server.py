"""The server's lifetime: start, stop, restart, context manager, stop_all, threads, ports and temporary files."""

import socket
import threading
import time
from pathlib import Path

import pytest

from chatkit.client import ChatMessage
from chatkit.server import ChatServer, DirectDelivery

from .conftest import PASSWORD, Connect, StartServer, eventually


def new_threads(before: set[threading.Thread]) -> set[threading.Thread]:
    """Return the live threads started since `before`, clients' receivers left out."""
    return {t for t in threading.enumerate() if t not in before and not t.name.startswith("chatkit-client")}


def chat_once(connect: Connect, server: ChatServer, text: str = "ping") -> None:
    """Connect two people and check that one message goes from one to the other."""
    alice, bob = connect(server, "alice"), connect(server, "bob")
    alice.send(text)
    bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == text)
    alice.close()
    bob.close()


@pytest.mark.parametrize("mode", ["classic", "sealed"])
def test_start_returns_a_real_port_at_once(mode: str, start_server: StartServer) -> None:
    server = start_server(mode)
    host, port = server.address
    assert host == "127.0.0.1" and port > 0 and server.is_running
    with socket.create_connection((host, port), timeout=5):
        pass


def test_start_twice_is_harmless(start_server: StartServer, connect: Connect) -> None:
    before = set(threading.enumerate())
    server = start_server()
    threads = new_threads(before)
    assert server.start() == server.address
    assert new_threads(before) == threads
    chat_once(connect, server)


def test_stop_twice_is_harmless(start_server: StartServer) -> None:
    server = start_server()
    server.stop()
    server.stop()
    assert not server.is_running


def test_restart_after_stop(start_server: StartServer, connect: Connect) -> None:
    server = start_server()
    chat_once(connect, server, "before")
    server.stop()
    host, port = server.start()
    assert port > 0 and server.is_running
    chat_once(connect, server, "after")
    assert [row.payload for row in server.recent(10)] != []


def test_context_manager_starts_and_stops(tmp_path: Path, connect: Connect) -> None:
    before = set(threading.enumerate())
    with ChatServer("classic", password=PASSWORD, db=tmp_path / "chat.db") as server:
        assert server.is_running
        chat_once(connect, server)
    assert not server.is_running
    assert eventually(lambda: not new_threads(before)), f"threads left: {new_threads(before)}"


def test_the_simple_direct_delivery_chats_and_stops_like_the_postman(tmp_path: Path, connect: Connect) -> None:
    before = set(threading.enumerate())
    with ChatServer("classic", password=PASSWORD, db=tmp_path / "chat.db", delivery=DirectDelivery) as server:
        assert isinstance(server.delivery, DirectDelivery)
        chat_once(connect, server)
    assert eventually(lambda: not new_threads(before)), f"threads left: {new_threads(before)}"


def test_mode_is_the_name_and_rules_decide(start_server: StartServer) -> None:
    classic, sealed = start_server("classic"), start_server("sealed")
    assert (classic.mode, sealed.mode) == ("classic", "sealed")
    assert type(classic.rules).__name__ == "ClassicRules" and type(sealed.rules).__name__ == "SealedRules"
    assert "sealed" in repr(sealed)


def test_stop_all_stops_every_server(tmp_path: Path) -> None:
    servers = [ChatServer(db=tmp_path / f"{n}.db") for n in range(3)]
    for server in servers:
        server.start()
    ChatServer.stop_all()
    assert not any(server.is_running for server in servers)
    assert not any(server in ChatServer.live for server in servers)


@pytest.mark.parametrize("mode", ["classic", "sealed"])
def test_after_stop_no_thread_is_left_and_the_port_is_free(
    mode: str, start_server: StartServer, connect: Connect
) -> None:
    before = set(threading.enumerate())
    server = start_server(mode)
    alice, bob = connect(server, "alice"), connect(server, "bob")
    alice.send("still here")
    bob.wait_for(lambda e: isinstance(e, ChatMessage))
    assert new_threads(before)
    server.stop()
    assert eventually(lambda: not new_threads(before)), f"threads left: {new_threads(before)}"
    with socket.socket() as sock:  # the way the server binds: SO_REUSEADDR, so connections in TIME_WAIT don't matter
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(server.address)
        sock.listen()


def test_port_is_free_for_anyone_after_a_stop_without_connections(start_server: StartServer) -> None:
    server = start_server()
    server.stop()
    with socket.socket() as sock:
        sock.bind(server.address)


@pytest.mark.skipif(not socket.has_ipv6, reason="this Python has no IPv6 support")
@pytest.mark.parametrize("mode", ["classic", "sealed"])
def test_ipv6_loopback(mode: str, start_server: StartServer, connect: Connect) -> None:
    server = start_server(mode, host="::1")
    assert server.address[0] == "::1" and server.address[1] > 0
    chat_once(connect, server)


def test_temporary_database_folder_is_removed_when_db_is_none() -> None:
    server = ChatServer("sealed")
    try:
        server.start()
        folder = Path(server.db_path).parent
        assert folder.is_dir() and folder.name.startswith("chatkit-")
    finally:
        server.stop()
    assert not folder.exists()


def test_given_database_file_is_kept_after_stop(start_server: StartServer, connect: Connect) -> None:
    server = start_server("classic")
    chat_once(connect, server, "kept")
    path = Path(server.db_path)
    server.stop()
    assert path.is_file()


def test_stop_while_a_new_connection_is_being_taken_on(
    start_server: StartServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stop() must cope with a connection whose thread is still starting (a slow machine, made slow on purpose)."""
    real_start = threading.Thread.start

    def slow_start(thread: threading.Thread) -> None:
        if thread.name.startswith("chatkit-member"):
            time.sleep(0.3)
        real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", slow_start)
    before = set(threading.enumerate())
    failures = []
    for _ in range(10):  # which thread stop() joins first varies from run to run: try several times
        server = start_server("sealed")
        with socket.create_connection(server.address, timeout=5) as sock:
            sock.sendall(b"not a hello\n")
            time.sleep(0.1)  # the server has accepted us by now; our thread is still starting
            try:
                server.stop()
            except RuntimeError as error:
                failures.append(error)
                time.sleep(0.5)  # let the thread start, so the fixture's stop() can finish the job
    assert not failures, f"stop() failed {len(failures)} times in 10: {failures[0]}"
    assert eventually(lambda: not new_threads(before)), f"threads left: {new_threads(before)}"


@pytest.mark.parametrize("mode", ["classic", "sealed"])
def test_stop_disconnects_a_connection_that_never_said_hello(mode: str, start_server: StartServer) -> None:
    before = set(threading.enumerate())
    server = start_server(mode)
    with socket.create_connection(server.address, timeout=5) as silent:
        assert eventually(lambda: any(t.name.startswith("chatkit-member") for t in new_threads(before)))
        server.stop()
        assert not new_threads(before), f"stop() returned with threads alive: {new_threads(before)}"
        assert silent.recv(1024) == b""  # the server closed the connection without waiting for the hello timeout


def test_a_port_that_is_taken_leaves_nothing_open(tmp_path: Path) -> None:
    with ChatServer("sealed", db=tmp_path / "first.db") as first:
        second = ChatServer("sealed", port=first.port)
        with pytest.raises(OSError):
            second.start()
        assert not second.is_running
        with pytest.raises(RuntimeError, match="not running"):
            second.log  # noqa: B018 - the log was closed, not left open
