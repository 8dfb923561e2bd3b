"""Abuse over raw sockets: the offender gets a clear error, and two well-behaved people keep chatting throughout."""

import json
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count

import pytest

from chatkit import protocol
from chatkit.client import ChatClient, ChatError, ChatMessage, Wire
from chatkit.crypto import classic, kdf
from chatkit.server import ChatServer, conversation

from .conftest import PASSWORD, Connect, StartServer, eventually

READ_SECONDS = 10.0
CHUNK = 64 * 1024
serial = count()


@dataclass
class Pair:
    """A server and two people who should not notice any of the abuse."""

    server: ChatServer
    alice: ChatClient
    bob: ChatClient
    threads: int  # how many threads this process ran once both were connected


@pytest.fixture(params=["classic", "sealed"])
def pair(request: pytest.FixtureRequest, start_server: StartServer, connect: Connect) -> Iterator[Pair]:
    """Start a server in each mode with alice and bob chatting; check afterwards that they still can."""
    server = start_server(request.param)
    alice, bob = connect(server, "alice"), connect(server, "bob")
    round_trip(alice, bob)
    pair = Pair(server, alice, bob, threading.active_count())
    yield pair
    round_trip(alice, bob)
    assert_threads_back(pair)


def round_trip(alice: ChatClient, bob: ChatClient) -> None:
    """Send a message each way and wait until it arrives."""
    for sender, receiver in ((alice, bob), (bob, alice)):
        text = f"round trip {next(serial)} from {sender.name}"
        sender.send(text)
        receiver.wait_for(lambda e, t=text: isinstance(e, ChatMessage) and e.text == t)


def assert_threads_back(pair: Pair, seconds: float = 10.0) -> None:
    """Wait until the thread count is back to what it was before the abuse."""
    deadline = time.monotonic() + seconds
    while threading.active_count() > pair.threads and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= pair.threads, [t.name for t in threading.enumerate()]


def eventually_alone(pair: Pair, seconds: float = 10.0) -> bool:
    """Wait until alice and bob are the only people on the server; return whether they are."""
    deadline = time.monotonic() + seconds
    while pair.server.roster() != {"general": ["alice", "bob"]} and time.monotonic() < deadline:
        time.sleep(0.05)
    return pair.server.roster() == {"general": ["alice", "bob"]}


# --- a raw connection ---


class Raw:
    """A bare socket to the server, reading whole lines with a timeout."""

    def __init__(self, server: ChatServer) -> None:
        self.sock = socket.create_connection(server.address, timeout=READ_SECONDS)
        self.reader = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def frame(self) -> protocol.Frame:
        """Read the next line and decode it."""
        line = self.reader.readline(protocol.MAX_LINE_BYTES + 1)
        assert line.endswith(b"\n"), f"expected a line from the server, got {line!r}"
        return protocol.decode(line)

    def error(self) -> protocol.Frame:
        """Read lines until an error arrives (bounded), and return it."""
        for _ in range(20):
            frame = self.frame()
            if frame["type"] == "error":
                return frame
        raise AssertionError("no error line from the server")

    def is_closed(self) -> bool:
        """Return whether the server ended the connection (read everything up to the end)."""
        try:
            for _ in range(100):
                if not self.reader.readline(protocol.MAX_LINE_BYTES + 1):
                    return True
        except ConnectionResetError:
            return True
        return False

    def hello(self, mode: str, name: str, password: str = PASSWORD) -> None:
        """Say hello as a well-formed client would, and read up to 'joined'."""
        self.send(protocol.encode(hello_frame(mode, name, password)))
        for _ in range(10):
            if self.frame()["type"] == "joined":
                return
        raise AssertionError("no 'joined' after hello")

    def reset(self) -> None:
        """Vanish abruptly: close with a TCP reset instead of a goodbye."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def hello_frame(mode: str, name: str, password: str = PASSWORD) -> protocol.Frame:
    """Build the hello a real client of this mode sends."""
    if mode == "classic":
        return {
            "type": "hello",
            "name": name,
            "room": "general",
            "proof": classic.encrypt(kdf.classic_key(password), name),
        }
    return {"type": "hello", "name": name, "room": "general", "pubkey": protocol.b64(os.urandom(32))}


@pytest.fixture
def raw(pair: Pair) -> Iterator[Raw]:
    """A raw connection to the pair's server, closed after the test."""
    connection = Raw(pair.server)
    yield connection
    connection.close()


def send_in_chunks(sock: socket.socket, total: int) -> threading.Thread:
    """Send `total` bytes without a newline in bounded chunks on a thread, until done or cut off."""

    def pump() -> None:
        try:
            for _ in range(total // CHUNK):
                sock.sendall(b"x" * CHUNK)
        except OSError:
            pass  # the server closed the connection, as it should

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


# --- before hello: every bad first line is refused and the connection closed ---

BAD_FIRST_LINES = {
    "garbage bytes": (b"\x00\xff\xfe\xfd\x80 garbage\n", "UTF-8"),
    "not JSON": (b"this is not json\n", "not JSON"),
    "not an object": (b"[1, 2, 3]\n", "JSON object"),
    "unknown type": (b'{"type": "shout", "text": "hi"}\n', "unknown message type"),
    "missing name": (b'{"type": "hello", "room": "general"}\n', "needs the field 'name'"),
    "wrong field type": (b'{"type": "hello", "name": 7, "room": "general"}\n', "should be str"),
    "say before hello": (b'{"type": "say", "ciphertext": "AAAA"}\n', "expected a 'hello' message first"),
    "bad name": (b'{"type": "hello", "name": "two words", "room": "general"}\n', "1-32 letters"),
}


@pytest.mark.parametrize("case", BAD_FIRST_LINES)
def test_bad_first_line_gets_an_error_and_is_closed(case: str, pair: Pair, raw: Raw) -> None:
    line, explanation = BAD_FIRST_LINES[case]
    raw.send(line)
    error = raw.error()
    assert error["code"] == "malformed" and explanation in error["text"]
    assert raw.is_closed()
    round_trip(pair.alice, pair.bob)


# --- after hello: a bad line gets an error and the conversation goes on ---

BAD_LATER_LINES = {
    "garbage bytes": (b"\x00\xff\xfe\xfd\x80 garbage\n", "UTF-8"),
    "not JSON": (b"{{{{\n", "not JSON"),
    "unknown type": (b'{"type": "shout"}\n', "unknown message type"),
    "missing fields": (b'{"type": "say"}\n', "needs the field 'ciphertext'"),
    "unknown field": (b'{"type": "who", "extra": 1}\n', "unknown fields"),
    "server-only type": (b'{"type": "notice", "text": "fake"}\n', "may not send 'notice'"),
    "second hello": (b'{"type": "hello", "name": "x", "room": "general"}\n', "may not send 'hello'"),
    "bad room name": (b'{"type": "join", "room": "no such/room"}\n', "1-32 letters"),
}


@pytest.mark.parametrize("case", BAD_LATER_LINES)
def test_bad_line_after_hello_gets_an_error_and_the_conversation_goes_on(case: str, pair: Pair, raw: Raw) -> None:
    mode = pair.server.mode
    raw.hello(mode, "mallory")
    line, explanation = BAD_LATER_LINES[case]
    raw.send(line)
    error = raw.error()
    assert error["code"] == "malformed" and explanation in error["text"]
    raw.send(protocol.encode({"type": "who"}))
    answer = raw.frame()
    while answer["type"] == "notice":
        answer = raw.frame()
    assert answer == {"type": "members", "room": "general", "names": ["alice", "bob", "mallory"]}
    round_trip(pair.alice, pair.bob)


def test_say_that_does_not_decrypt_or_lacks_fields_is_refused(pair: Pair, raw: Raw) -> None:
    raw.hello(pair.server.mode, "mallory")
    raw.send(b'{"type": "say", "ciphertext": "bm90IGEgbWVzc2FnZQ=="}\n')
    error = raw.error()
    expected = "cannot_decrypt" if pair.server.mode == "classic" else "malformed"
    assert error["code"] == expected
    round_trip(pair.alice, pair.bob)
    assert not any("bm90IGEgbWVzc2FnZQ" in m.ciphertext for m in pair.bob.messages())


# --- too long, too little, too late ---


def test_one_megabyte_line_is_refused(pair: Pair, raw: Raw) -> None:
    sender = send_in_chunks(raw.sock, 1024 * 1024)
    error = raw.error()
    assert error["code"] == "malformed" and "exceeds the limit" in error["text"]
    assert raw.is_closed()
    sender.join(timeout=READ_SECONDS)
    assert not sender.is_alive()


def test_ten_megabytes_after_hello_are_refused(pair: Pair, raw: Raw) -> None:
    raw.hello(pair.server.mode, "mallory")
    sender = send_in_chunks(raw.sock, 10 * 1024 * 1024)
    error = raw.error()
    assert error["code"] == "malformed" and str(protocol.MAX_LINE_BYTES) in error["text"]
    assert raw.is_closed()
    sender.join(timeout=READ_SECONDS)
    assert not sender.is_alive()
    round_trip(pair.alice, pair.bob)


def test_half_a_line_then_vanish(pair: Pair) -> None:
    for _ in range(5):
        raw = Raw(pair.server)
        raw.send(b'{"type": "hello", "name": "ghost", "ro')
        raw.close()
    round_trip(pair.alice, pair.bob)
    assert_threads_back(pair)


def test_connect_and_never_speak(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conversation, "HELLO_SECONDS", 1.0)
    raw = Raw(pair.server)
    try:
        error = raw.error()
        assert error["code"] == "timeout" and "hello" in error["text"]
        assert raw.is_closed()
    finally:
        raw.close()
    round_trip(pair.alice, pair.bob)


@pytest.mark.parametrize("said_hello", [False, True])
def test_disconnect_in_the_middle_of_a_line(said_hello: bool, pair: Pair) -> None:
    for number in range(5):
        raw = Raw(pair.server)
        if said_hello:
            raw.hello(pair.server.mode, f"runner{number}")
        raw.send(b'{"type": "say", "ciphertext": "AAAAAAAA')
        raw.reset()
    round_trip(pair.alice, pair.bob)
    assert_threads_back(pair)
    assert eventually_alone(pair), pair.server.roster()


def test_many_abusers_at_once(pair: Pair) -> None:
    abusers = [Raw(pair.server) for _ in range(30)]
    try:
        for number, raw in enumerate(abusers):
            raw.send(b"\xff\xfe\n" if number % 2 else b"nonsense\n")
        for raw in abusers:
            assert raw.error()["code"] == "malformed"
            assert raw.is_closed()
    finally:
        for raw in abusers:
            raw.close()
    round_trip(pair.alice, pair.bob)


# --- refused people ---


def test_wrong_password_is_refused(pair: Pair, connect: Connect) -> None:
    with pytest.raises(ChatError, match="wrong password"):
        connect(pair.server, "mallory", password="not the password")
    assert eventually_alone(pair), pair.server.roster()  # sealed: mallory got in, found the check failed, and left
    round_trip(pair.alice, pair.bob)


def test_wrong_classic_proof_gets_a_wrong_password_error(start_server: StartServer, connect: Connect) -> None:
    server = start_server("classic")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    raw = Raw(server)
    try:
        raw.send(protocol.encode(hello_frame("classic", "mallory", "guess")))
        error = raw.error()
        assert error["code"] == "wrong_password" and "wrong password" in error["text"]
        assert raw.is_closed()
    finally:
        raw.close()
    round_trip(alice, bob)


def test_sealed_room_keeps_the_first_members_check(start_server: StartServer, connect: Connect) -> None:
    server = start_server("sealed")
    alice = connect(server, "alice", room="vault")
    # alice's client sends the room's check once it has joined; let the server take it before bob arrives
    assert eventually(lambda: server.log.room("vault").check is not None)
    bob = connect(server, "bob", room="vault")
    round_trip(alice, bob)
    with pytest.raises(ChatError, match="wrong password"):
        connect(server, "mallory", password="another passphrase", room="vault")
    joined = [json.loads(e.line) for e in bob.history if isinstance(e, Wire) and e.direction == "received"]
    assert any(frame.get("type") == "joined" and "check" in frame for frame in joined)
    round_trip(alice, bob)


def test_taken_name_is_refused(pair: Pair, connect: Connect, raw: Raw) -> None:
    with pytest.raises(ChatError, match="already taken"):
        connect(pair.server, "alice")
    raw.send(protocol.encode(hello_frame(pair.server.mode, "bob")))
    error = raw.error()
    assert error["code"] == "name_taken" and "'bob'" in error["text"]
    assert raw.is_closed()
    round_trip(pair.alice, pair.bob)
