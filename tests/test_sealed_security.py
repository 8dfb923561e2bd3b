"""The sealed mode's guarantees (docs/security.md, S1-S12), each tested on a real server, sockets and files.

Attacks on what a client *receives* go through a small relay in this file: it stands where a malicious server or a
man in the middle would, and rewrites the lines on their way to one client.
"""

import base64
import contextlib
import json
import secrets
import select
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chatkit import protocol
from chatkit.client import ChatClient, ChatMessage, Event, Problem, Wire
from chatkit.crypto import CANNOT_DECRYPT, kdf, labels, signing
from chatkit.server import ChatServer

from . import memscan
from .conftest import FAST_ITERATIONS, PASSWORD, Connect, StartServer, eventually

WAIT_SECONDS = 10.0
REPO = Path(__file__).resolve().parents[1]

Rewrite = Callable[[bytes], list[bytes]]


# --- a relay that stands between one client and the server ---


class Relay:
    """Relay one connection on loopback; lines from the server pass through `rewrite` on their way to the client."""

    def __init__(self, server_address: tuple[str, int]) -> None:
        self.server_address = server_address
        self.rewrite: Rewrite = lambda line: [line]
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(WAIT_SECONDS)
        self.address: tuple[str, int] = self.listener.getsockname()[:2]
        self.sockets: list[socket.socket] = []
        self.threads = [threading.Thread(target=self._serve, name="test-relay", daemon=True)]
        self.threads[0].start()

    def _serve(self) -> None:
        """Accept the one client, connect to the server, and pump both ways."""
        try:
            client, _ = self.listener.accept()
        except OSError:
            return
        server = socket.create_connection(self.server_address, timeout=WAIT_SECONDS)
        for sock in (client, server):
            sock.settimeout(None)
            self.sockets.append(sock)
        down = threading.Thread(target=self._pump, args=(server, client, True), name="test-relay-down", daemon=True)
        self.threads.append(down)
        down.start()
        self._pump(client, server, False)

    def _pump(self, source: socket.socket, target: socket.socket, rewrite: bool) -> None:
        """Copy lines until either side ends, then end both."""
        try:
            with source.makefile("rb") as reader:
                for line in reader:
                    for out in self.rewrite(line) if rewrite else [line]:
                        target.sendall(out)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop relaying and join the relay's threads."""
        self.listener.close()
        for sock in list(self.sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in list(self.threads):
            thread.join(timeout=WAIT_SECONDS)
        for sock in self.sockets:
            sock.close()


def on_next_message(change: Callable[[protocol.Frame], list[protocol.Frame]]) -> Rewrite:
    """Return a rewrite that applies `change` to the next 'message' line only and passes everything else on."""
    armed = [True]

    def rewrite(line: bytes) -> list[bytes]:
        frame = protocol.decode(line)
        if frame["type"] != "message" or not armed[0]:
            return [line]
        armed[0] = False
        return [protocol.encode(out) for out in change(frame)]

    return rewrite


@dataclass
class Room:
    """A sealed server; alice and carol connect directly, bob only through the relay."""

    server: ChatServer
    alice: ChatClient
    bob: ChatClient
    carol: ChatClient
    relay: Relay


@pytest.fixture
def room(start_server: StartServer, connect: Connect) -> Iterator[Room]:
    """Three people in a sealed room, bob behind the relay; everyone has said something once."""
    server = start_server("sealed")
    relay = Relay(server.address)
    bob = ChatClient(*relay.address, "bob", PASSWORD, mode="sealed", iterations=FAST_ITERATIONS)
    try:
        alice, carol = connect(server, "alice"), connect(server, "carol")
        bob.connect()
        for person in (alice, carol, bob):
            said(person, bob, f"hi from {person.name}")
        yield Room(server, alice, bob, carol, relay)
    finally:
        bob.close()
        relay.close()


def said(sender: ChatClient, receiver: ChatClient, text: str) -> ChatMessage:
    """Send a message and return it as the receiver read it."""
    sender.send(text)
    got = receiver.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == text, WAIT_SECONDS)
    assert isinstance(got, ChatMessage)
    return got


def problem(client: ChatClient, code: str, after: int = 0) -> Problem:
    """Wait for a Problem with this code among the client's events from index `after` on."""

    def matches(event: Event) -> bool:
        return isinstance(event, Problem) and event.code == code and event in list(client.history)[after:]

    found = client.wait_for(matches, WAIT_SECONDS)
    assert isinstance(found, Problem)
    return found


def still_works(room: Room, text: str = "still fine") -> None:
    """Check that an honest message still gets through afterwards, and that nothing altered was shown before it."""
    said(room.alice, room.bob, text)
    shown = [m.text for m in room.bob.messages()]
    assert shown == ["hi from alice", "hi from carol", "hi from bob", text], shown


def flip(value: str, byte: int = 0) -> str:
    """Flip one bit of a base64 field."""
    raw = bytearray(base64.b64decode(value))
    raw[byte] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def resign(frame: protocol.Frame, identity: Ed25519PrivateKey) -> protocol.Frame:
    """Sign a message again over its (changed) header, nonce and ciphertext, as a forger with the key could."""
    header = protocol.header_bytes(frame["room"], frame["sender"], frame["counter"], frame["time"])
    data = header + base64.b64decode(frame["nonce"]) + base64.b64decode(frame["ciphertext"])
    return {**frame, "signature": protocol.b64(signing.sign(identity, labels.MESSAGE_SIGNATURE, data))}


def database_bytes(path: str) -> bytes:
    """Return the bytes of an SQLite database and its write-ahead log."""
    return b"".join(Path(name).read_bytes() for name in (path, path + "-wal") if Path(name).exists())


# --- S1: the server's file and memory hold ciphertext only ---


@pytest.mark.parametrize("mode", ["sealed", "classic"])
def test_s1_database_file_holds_no_plaintext(mode: str, start_server: StartServer, connect: Connect) -> None:
    server = start_server(mode)
    alice, bob = connect(server, "alice"), connect(server, "bob")
    marker = f"marker-{secrets.token_hex(12)}"
    message = said(alice, bob, f"meet at {marker}")
    server.log.flush()
    stored = database_bytes(server.db_path)
    assert (marker.encode() in stored) == (mode == "classic")  # classic is the positive control
    if mode == "sealed":
        assert message.ciphertext.encode() in stored  # the file does hold the message, sealed


SERVER_SCRIPT = """
import sys
from chatkit.server import ChatServer
mode, db, password = sys.argv[1], sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else None)
server = ChatServer(mode, password=password, db=db)
print(server.start()[1], flush=True)
sys.stdin.read()  # run until the test closes our stdin
server.stop()
"""


@contextlib.contextmanager
def server_process(mode: str, db: Path, password: str | None, log: Path) -> Iterator[tuple[int, int]]:
    """Run a server in a child process (its stderr to `log`); yield (pid, port); end it, and only it, afterwards."""
    arguments = [sys.executable, "-c", SERVER_SCRIPT, mode, str(db), *([password] if password else [])]
    with log.open("wb") as errors:
        child = subprocess.Popen(arguments, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
    assert child.stdin is not None and child.stdout is not None
    try:
        ready, _, _ = select.select([child.stdout], [], [], 60)
        assert ready, "the server process printed no port within 60 s"
        yield child.pid, int(child.stdout.readline())
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=WAIT_SECONDS)
        child.stdout.close()


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc to read a process's memory")
@pytest.mark.parametrize("mode", ["sealed", "classic"])
def test_s1_server_memory_holds_no_plaintext(mode: str, tmp_path: Path) -> None:
    passphrase = f"pass-{secrets.token_hex(12)}"
    marker = f"marker-{secrets.token_hex(12)}"
    secret = passphrase if mode == "classic" else None
    with server_process(mode, tmp_path / "chat.db", secret, tmp_path / "stderr.txt") as (pid, port):
        people = [
            ChatClient("127.0.0.1", port, name, passphrase, mode=mode, iterations=FAST_ITERATIONS)
            for name in ("alice", "bob")
        ]
        try:
            alice, bob = (person.connect() for person in people)
            messages = [said(alice, bob, f"secret {n}: {marker}") for n in range(5)]
            key = alice.codec.keys["general"] if mode == "sealed" else alice.codec.key
            found = memscan.memory_contains(
                pid, marker.encode(), passphrase.encode(), key, messages[-1].ciphertext.encode()
            )
        finally:
            for person in people:
                person.close()
    if mode == "classic":  # the positive control: the scan does find what a classic server holds
        assert found[marker.encode()] and found[passphrase.encode()] and found[key]
    else:
        assert not found[marker.encode()], "the sealed server's memory holds a plaintext message"
        assert not found[passphrase.encode()], "the sealed server's memory holds the passphrase"
        assert not found[key], "the sealed server's memory holds the room key"
        assert found[messages[-1].ciphertext.encode()], "the scan should see the ciphertext the server relayed"
        assert marker not in (tmp_path / "stderr.txt").read_text(), "the sealed server logged plaintext (S7)"


# --- S2: any change to ciphertext, nonce or header is detected ---

CHANGES: dict[str, Callable[[protocol.Frame], protocol.Frame]] = {
    "ciphertext": lambda f: {**f, "ciphertext": flip(f["ciphertext"])},
    "tag": lambda f: {**f, "ciphertext": flip(f["ciphertext"], -1)},
    "truncated": lambda f: {**f, "ciphertext": protocol.b64(base64.b64decode(f["ciphertext"])[:-1])},
    "nonce": lambda f: {**f, "nonce": flip(f["nonce"])},
    "short nonce": lambda f: {**f, "nonce": protocol.b64(base64.b64decode(f["nonce"])[:8])},
    "time": lambda f: {**f, "time": f["time"] + 1.0},
    "counter": lambda f: {**f, "counter": f["counter"] + 1},
    "signature": lambda f: {**f, "signature": flip(f["signature"])},
}


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("forger_has_signing_key", [False, True])
def test_s2_tampered_message_cannot_be_read(change: str, forger_has_signing_key: bool, room: Room) -> None:
    identity = room.alice.codec.identity

    def tamper(frame: protocol.Frame) -> list[protocol.Frame]:
        changed = CHANGES[change](frame)
        return [resign(changed, identity) if forger_has_signing_key and change != "signature" else changed]

    room.relay.rewrite = on_next_message(tamper)
    room.alice.send("pay bob 10 euros")
    found = problem(room.bob, "cannot_decrypt")
    assert found.text == f"{CANNOT_DECRYPT} (from alice)"
    assert "pay bob" not in found.text
    still_works(room)


def test_s2_say_line_changed_on_its_way_to_the_server_fails_for_every_reader(room: Room) -> None:
    """Tamper on the way in: a say line made by the codec, changed, then sent raw (the server cannot check it)."""
    frame = room.alice.codec.seal("pay bob 10 euros", "general", "alice")
    room.alice.send_line(protocol.encode({**frame, "ciphertext": flip(frame["ciphertext"])}))
    problem(room.bob, "cannot_decrypt")
    problem(room.carol, "cannot_decrypt")
    still_works(room)


# --- S3: the header is bound: no moving a message to another room, no relabelling its sender ---


def test_s3_message_moved_to_another_room_fails(room: Room) -> None:
    for person in (room.alice, room.bob):  # both hold a key for 'red' as well now
        person.join("red")
        person.join("general")
    room.relay.rewrite = on_next_message(lambda f: [{**f, "room": "red"}])
    room.alice.send("for general only")
    assert problem(room.bob, "cannot_decrypt").text == f"{CANNOT_DECRYPT} (from alice)"
    assert not any(m.text == "for general only" for m in room.bob.messages())


@pytest.mark.parametrize("with_their_key", [False, True])
def test_s3_message_relabelled_with_another_sender_fails(with_their_key: bool, room: Room) -> None:
    carol_key = protocol.b64(signing.public_bytes(room.carol.codec.identity))

    def relabel(frame: protocol.Frame) -> list[protocol.Frame]:
        return [{**frame, "sender": "carol", **({"pubkey": carol_key} if with_their_key else {})}]

    room.relay.rewrite = on_next_message(relabel)
    room.alice.send("carol owes me")
    assert problem(room.bob, "cannot_decrypt").text == f"{CANNOT_DECRYPT} (from carol)"
    still_works(room)


def test_s3_server_refuses_a_say_for_another_room(room: Room) -> None:
    room.alice.join("red")
    frame = room.alice.codec.seal("wrong room", "red", "alice")
    room.alice.join("general")
    room.alice.send_line(protocol.encode(frame))
    assert problem(room.alice, "wrong_room")
    still_works(room)


# --- S4: replays are dropped and reported ---


def test_s4_server_rejects_a_replayed_say_line(room: Room) -> None:
    said(room.alice, room.bob, "transfer 100 euros")
    sent = [e.line for e in room.alice.history if isinstance(e, Wire) and e.direction == "sent" and b'"say"' in e.line]
    before = len(room.alice.history)
    room.alice.send_line(sent[-1])
    assert "replay" in problem(room.alice, "replay", before).text
    said(room.alice, room.bob, "after the replay")
    assert [m.text for m in room.bob.messages()].count("transfer 100 euros") == 1
    assert len(room.server.recent(100)) == 5, "the replay was stored"


def test_s4_client_rejects_a_replayed_message(room: Room) -> None:
    room.relay.rewrite = on_next_message(lambda f: [f, f])  # the relay delivers it twice
    said(room.alice, room.bob, "transfer 100 euros")
    problem(room.bob, "replay")
    said(room.alice, room.bob, "after the replay")
    assert [m.text for m in room.bob.messages()].count("transfer 100 euros") == 1


def test_s4_client_rejects_an_old_message_delivered_later(room: Room) -> None:
    kept: list[bytes] = []

    def keep_and_pass(line: bytes) -> list[bytes]:
        if b'"message"' in line and not kept:
            kept.append(line)
        return [line]

    room.relay.rewrite = keep_and_pass
    said(room.alice, room.bob, "transfer 100 euros")
    said(room.alice, room.bob, "a later message")
    room.relay.rewrite = lambda line: [kept[0], line] if b'"message"' in line else [line]
    said(room.carol, room.bob, "something new")
    assert problem(room.bob, "replay").line == kept[0]
    assert [m.text for m in room.bob.messages()].count("transfer 100 euros") == 1


# --- S5: a random salt per room, a modern KDF, one derivation per session ---


def stored_salts(server: ChatServer) -> dict[str, bytes]:
    """Return room -> salt as the server stores it: the parameters each room's creator chose, kept as sent."""
    server.log.flush()
    with contextlib.closing(sqlite3.connect(server.db_path)) as db:
        rows = db.execute("SELECT name, kdf FROM rooms").fetchall()
    return {name: base64.b64decode(json.loads(params)["salt"]) for name, params in rows}


def test_s5_each_room_gets_its_own_random_salt(start_server: StartServer, connect: Connect) -> None:
    first, second = start_server("sealed"), start_server("sealed")
    alice, bob = connect(first, "alice"), connect(second, "bob")
    for room in ("red", "blue", "green"):
        alice.join(room)
        bob.join(room)
    assert eventually(lambda: len(stored_salts(first)) == len(stored_salts(second)) == 4)
    salts = list(stored_salts(first).values()) + list(stored_salts(second).values())
    assert len(salts) == 8 and all(len(salt) == kdf.SALT_BYTES for salt in salts)
    assert len(set(salts)) == 8, "a salt is shared between rooms or servers"
    carol = connect(first, "carol", room="red")
    (announced,) = [protocol.decode(e.line) for e in carol.history if isinstance(e, Wire) and b'"joined"' in e.line]
    assert base64.b64decode(announced["kdf"]["salt"]) == stored_salts(first)["red"]  # relayed unchanged


def test_s5_key_derived_once_per_room_and_session(
    start_server: StartServer, connect: Connect, pbkdf2_calls: list[int]
) -> None:
    calls = pbkdf2_calls
    server = start_server("sealed")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    assert calls == [FAST_ITERATIONS, FAST_ITERATIONS]
    for number in range(10):
        said(alice, bob, f"alice {number}")
        said(bob, alice, f"bob {number}")
    assert len(calls) == 2, "a key was derived again for a message"
    alice.join("red")
    assert len(calls) == 3


def test_s5_default_iterations_meet_owasp() -> None:
    """A default client creates rooms with Argon2id at OWASP's m=19 MiB, t=2, p=1 and accepts PBKDF2 at 600,000 up."""
    client = ChatClient("127.0.0.1", 1, "alice", PASSWORD, mode="sealed")
    offer = client.codec.on_joined({"type": "joined", "room": "general"}, "alice").reply
    assert offer is not None and (offer["kdf"]["name"], offer["kdf"]["memory_kib"]) == ("argon2id", 19 * 1024)
    assert offer["kdf"]["passes"] == 2 and offer["kdf"]["lanes"] == 1
    assert client.codec.rooms._weakest_pbkdf2() >= 600_000


# --- S6: signed by the sender; a changed key is shown ---


def test_s6_message_signed_by_another_key_fails(room: Room) -> None:
    """Carol, a member, seals a message as 'alice'; a relabelling server gives it alice's name and key."""
    alice_key = protocol.b64(signing.public_bytes(room.alice.codec.identity))
    room.relay.rewrite = on_next_message(lambda f: [{**f, "sender": "alice", "pubkey": alice_key}])
    room.carol.send_line(protocol.encode(room.carol.codec.seal("alice owes carol", "general", "alice")))
    assert problem(room.bob, "cannot_decrypt").text == f"{CANNOT_DECRYPT} (from alice)"
    assert not any(m.text == "alice owes carol" for m in room.bob.messages())


def test_s6_header_naming_another_sender_fails_at_the_server_label(room: Room) -> None:
    """Without help from the server, carol's message 'as alice' is labelled carol and fails its header check."""
    room.carol.send_line(protocol.encode(room.carol.codec.seal("alice owes carol", "general", "alice")))
    assert problem(room.bob, "cannot_decrypt").text == f"{CANNOT_DECRYPT} (from carol)"
    still_works(room)


def test_s6_changed_key_is_shown(room: Room) -> None:
    """The relay swaps in carol's key, pretending it is alice's: carol's own signature now verifies as alice's."""
    carol_key = protocol.b64(signing.public_bytes(room.carol.codec.identity))
    room.relay.rewrite = on_next_message(lambda f: [{**f, "sender": "alice", "pubkey": carol_key}])
    room.carol.send_line(protocol.encode(room.carol.codec.seal("alice owes carol", "general", "alice")))
    assert "alice" in problem(room.bob, "key_changed").text


def test_s6_reconnecting_with_a_new_key_is_shown(room: Room, connect: Connect) -> None:
    room.alice.close()
    alice_again = connect(room.server, "alice", identity=signing.new_identity())  # another device, another key
    alice_again.send("it is me, with a new key")
    assert "alice" in problem(room.bob, "key_changed").text


# --- S7: every failure looks the same ---


def test_s7_every_failure_shows_the_same_text(room: Room) -> None:
    def failures() -> list[Problem]:  # the missing numbers are shown too, as a gap, but that is not a failure
        return [e for e in room.bob.history if isinstance(e, Problem) and e.code != "gap"]

    for number, change in enumerate(("ciphertext", "nonce", "time", "signature", "truncated"), start=1):
        room.relay.rewrite = on_next_message(lambda f, c=change: [CHANGES[c](f)])
        room.alice.send(f"secret about {change}")
        room.bob.wait_for(lambda e, n=number: len(failures()) >= n)  # one tampering at a time
    room.relay.rewrite = on_next_message(lambda f: [{**f, "room": "nowhere"}])
    room.alice.send("secret about rooms")
    still_works(room)
    assert len(failures()) == 6
    assert {e.code for e in failures()} == {"cannot_decrypt"}
    assert {e.text for e in failures()} == {f"{CANNOT_DECRYPT} (from alice)"}
    assert problem(room.bob, "gap").text == "6 messages from alice are missing"


# --- S8: labels keep purposes apart ---


def test_s8_labels_are_distinct_and_prefix_free() -> None:
    found = [value for name, value in vars(labels).items() if name.isupper() and isinstance(value, bytes)]
    assert len(found) >= 4 and len(set(found)) == len(found)
    for label in found:
        assert label.endswith(b"\x00") and label.count(b"\x00") == 1
        assert not any(other != label and other.startswith(label) for other in found)


def test_s8_room_check_is_not_accepted_as_a_message(room: Room) -> None:
    """The room's password check is made with the same key: signed and relayed as a message, it still fails."""
    joined = [protocol.decode(e.line) for e in room.bob.history if isinstance(e, Wire)]
    check = next(f for f in joined if f["type"] == "joined" and "check" in f)
    forged = {**room.alice.codec.seal("x", "general", "alice"), "nonce": protocol.b64(bytes(12))}
    forged["ciphertext"] = check["check"]
    header = protocol.header_bytes("general", "alice", forged["counter"], forged["time"])
    data = header + base64.b64decode(forged["nonce"]) + base64.b64decode(forged["ciphertext"])
    forged["signature"] = protocol.b64(signing.sign(room.alice.codec.identity, labels.MESSAGE_SIGNATURE, data))
    room.alice.send_line(protocol.encode(forged))
    problem(room.bob, "cannot_decrypt")
    still_works(room)
