"""Hardening: a flooder is refused with 'rate_limited', a stalled reader is dropped with a reason, and the
server gives back its threads and memory when people leave. Every wait is bounded."""

import socket
import threading
from collections.abc import Iterator

import psutil
import pytest

from chatkit import protocol
from chatkit.client import ChatClient, ChatMessage, Members, Notice, Problem
from chatkit.crypto import classic, kdf
from chatkit.server import ChatServer, DirectDelivery, Postman
from chatkit.server.member import Limits, TokenBucket

from .conftest import PASSWORD, Connect, StartServer, eventually

WAIT_SECONDS = 20.0
KEY = kdf.classic_key(PASSWORD)
FAST = {"lines_per_second": 10_000.0, "burst_lines": 10_000}  # alice may send as fast as she likes here
MAX_BIG_MESSAGES = 3000  # ~4 KB lines: enough to fill the kernel's buffers (up to 4 MB each way on Linux)


def raw_member(server: ChatServer, name: str, receive_buffer: int | None = None) -> socket.socket:
    """Connect a bare socket and greet the classic server as `name` (optionally with a tiny receive buffer)."""
    sock = socket.socket()
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)  # before connect: sets the window
    sock.settimeout(WAIT_SECONDS)
    sock.connect(server.address)
    hello = {"type": "hello", "name": name, "room": "general", "proof": classic.encrypt(KEY, name)}
    sock.sendall(protocol.encode(hello))
    return sock


def said(client: ChatClient, sender: str) -> list[ChatMessage]:
    """Return the chat messages a client received from one sender."""
    return [m for m in client.messages() if m.sender == sender]


def problems(client: ChatClient, code: str) -> list[Problem]:
    """Return the error replies of one kind a client received."""
    return [e for e in list(client.history) if isinstance(e, Problem) and e.code == code]


# --- the token bucket on its own ---


def test_bucket_allows_a_burst_then_refuses() -> None:
    bucket = TokenBucket(per_second=0.001, burst=5)
    assert [bucket.take() for _ in range(7)] == [True] * 5 + [False] * 2


def test_bucket_refills_over_time() -> None:
    bucket = TokenBucket(per_second=1000.0, burst=1)
    assert bucket.take()
    assert eventually(bucket.take, 5.0)


# --- a flooder ---


def test_flooder_is_rate_limited_while_others_keep_chatting(start_server: StartServer, connect: Connect) -> None:
    server = start_server("classic", limits=Limits(burst_lines=20, lines_per_second=2.0))
    flooder, alice, bob = connect(server, "flooder"), connect(server, "alice"), connect(server, "bob")
    for number in range(100):
        flooder.send(f"flood {number}")
    assert eventually(lambda: len(problems(flooder, "rate_limited")) + len(said(flooder, "flooder")) >= 100)
    refused, relayed = problems(flooder, "rate_limited"), said(flooder, "flooder")
    assert refused and "refused" in refused[0].text
    assert len(refused) + len(relayed) == 100  # every line either went through or was refused out loud
    alice.send("still here")
    bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == "still here", WAIT_SECONDS)
    assert eventually(lambda: len(said(bob, "flooder")) == len(relayed))
    stored = [row for row in server.recent(200) if row.sender == "flooder"]
    assert len(stored) == len(relayed)  # refused lines are neither relayed nor stored


# --- a stalled reader ---


@pytest.fixture(params=[Postman, DirectDelivery], ids=["postman", "direct"])
def stalled_room(
    request: pytest.FixtureRequest, start_server: StartServer, connect: Connect
) -> Iterator[tuple[ChatServer, ChatClient, ChatClient]]:
    """A classic server that gives up on a stuck send after 1 s, with alice and bob connected (either delivery).

    With DirectDelivery the whole room waits behind sleepy for that second; with the postman nobody waits.
    """
    server = start_server("classic", limits=Limits(stall_seconds=1.0, **FAST), delivery=request.param)
    yield server, connect(server, "alice"), connect(server, "bob")


def test_stalled_reader_is_dropped_and_does_not_hold_up_the_room(
    stalled_room: tuple[ChatServer, ChatClient, ChatClient],
) -> None:
    server, alice, bob = stalled_room
    sleepy = raw_member(server, "sleepy", receive_buffer=4096)  # greets, then never reads a byte
    try:
        assert eventually(lambda: "sleepy" in server.roster()["general"])
        sent = 0
        while "sleepy" in server.roster()["general"] and sent < MAX_BIG_MESSAGES:
            alice.send(f"{sent:04d} " + "x" * 3000)
            sent += 1
        assert eventually(lambda: "sleepy" not in server.roster()["general"])
        assert eventually(lambda: len(said(bob, "alice")) == sent)  # bob got everything, in spite of sleepy
        left = bob.wait_for(lambda e: isinstance(e, Notice) and e.text.startswith("sleepy left"), WAIT_SECONDS)
        assert "dropped by the server" in left.text  # type: ignore[union-attr]
    finally:
        sleepy.close()


def test_outbox_limit_drops_a_member_who_falls_too_far_behind(start_server: StartServer, connect: Connect) -> None:
    server = start_server("classic", limits=Limits(outbox_lines=5, **FAST))
    alice, bob = connect(server, "alice"), connect(server, "bob")
    sleepy = raw_member(server, "sleepy", receive_buffer=4096)
    try:
        assert eventually(lambda: "sleepy" in server.roster()["general"])
        for number in range(MAX_BIG_MESSAGES):
            if "sleepy" not in server.roster()["general"]:
                break
            alice.send(f"{number:04d} " + "x" * 3000)
        left = bob.wait_for(lambda e: isinstance(e, Notice) and e.text.startswith("sleepy left"), WAIT_SECONDS)
        assert "too far behind" in left.text  # type: ignore[union-attr]
    finally:
        sleepy.close()


# --- connections come and go ---


def test_threads_and_memory_return_after_200_connections(start_server: StartServer) -> None:
    server = start_server("classic")
    process = psutil.Process()
    threads_before, rss_before = threading.active_count(), process.memory_info().rss
    socks = [raw_member(server, f"visitor{number}") for number in range(200)]
    try:
        assert eventually(lambda: len(server.roster()["general"]) == 200)
        assert threading.active_count() >= threads_before + 200  # a reader thread each
        rss_peak = process.memory_info().rss
    finally:
        for sock in socks:
            sock.close()
    assert eventually(lambda: server.roster()["general"] == [])
    assert eventually(lambda: threading.active_count() <= threads_before), [t.name for t in threading.enumerate()]
    grown_at_peak = max(rss_peak - rss_before, 0)
    assert eventually(lambda: process.memory_info().rss - rss_before <= max(4 << 20, grown_at_peak // 2), 10.0)


def test_connections_get_keepalive_timings(start_server: StartServer, connect: Connect) -> None:
    server = start_server("classic")
    connect(server, "alice")
    (member,) = server.connections()
    assert member.sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
    if hasattr(socket, "TCP_KEEPIDLE"):
        assert member.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 60


def test_idle_members_hold_no_writer_thread(start_server: StartServer, connect: Connect) -> None:
    server = start_server("classic")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    alice.send("hello")
    bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == "hello", WAIT_SECONDS)
    assert eventually(lambda: not any(t.name.startswith("chatkit-writer") for t in threading.enumerate()))
    alice.ask_who()  # the server still answers once its writers have ended
    alice.wait_for(lambda e: isinstance(e, Members), WAIT_SECONDS)
