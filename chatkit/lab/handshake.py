"""A two-person X25519 key exchange over a real loopback socket, directly or through a relay (notebook 10).

    meeting = Meeting()                                   # Bob listens on 127.0.0.1, a free port
    alice_side, bob_side = meeting.run(Person("alice"), Person("bob"), ["hi bob"])
    mallory = Relay(meeting.address).start()              # someone on the path between them
    alice_side, bob_side = meeting.run(Person("alice"), Person("bob"), ["hi bob"], via=mallory)
    meeting.close()

Each side sends one hello line (its name, its X25519 public key and, if it has an identity, its Ed25519 key and a
signature over the exchange key), derives the session key, then Alice sends her texts sealed under that key.
Both read through the one bounded line buffer (framing.py): a line over the chat's limit is refused, not held, and
the side that got it records why.
"""

import json
import socket
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any, ClassVar

from chatkit.crypto import BadSignature, CannotDecrypt, exchange, labels, sealed, signing
from chatkit.framing import LineReader, LineTooLong
from chatkit.lab.relay import Relay
from chatkit.protocol import MAX_LINE_BYTES, b64, unb64

# Labels of their own (S8): a hello signature and a session message are never mistaken for anything else.
HELLO_SIGNATURE = labels.HANDSHAKE_HELLO_SIGNATURE
SESSION_AD = labels.HANDSHAKE_MESSAGE_AD
WAIT_SECONDS = 5.0


class HandshakeRefused(ValueError):
    """A hello did not come from the person we trust: wrong identity key or a bad signature."""


@dataclass
class Person:
    """One side of the exchange: a fresh exchange key, maybe an identity, and the identities they trust."""

    name: str
    identity: signing.Identity | None = None  # None: an unauthenticated exchange, as in plain Diffie-Hellman
    trusted: dict[str, bytes] = field(default_factory=dict)  # name -> identity key checked out of band
    exchange_key: exchange.ExchangeKey = field(default_factory=exchange.new_exchange_key)

    @property
    def public(self) -> bytes:
        """The public half of this session's exchange key, as the hello carries it."""
        return exchange.exchange_public(self.exchange_key)


@dataclass
class Side:
    """What one side ended up with: its session key, the safety number it sees, what it read, or its error."""

    name: str
    key: bytes = b""
    safety_number: str = ""
    received: list[str] = field(default_factory=list)
    error: str = ""


def hello_line(person: Person) -> bytes:
    """Return a person's hello: name, exchange key and, with an identity, a signature over both."""
    frame = {"name": person.name, "public": b64(person.public)}
    if person.identity is not None:
        signed = signing.sign(person.identity, HELLO_SIGNATURE, person.name.encode() + b"\x00" + person.public)
        frame.update(identity=b64(signing.public_bytes(person.identity)), signature=b64(signed))
    return json.dumps(frame).encode() + b"\n"


def check_hello(person: Person, line: bytes | str) -> tuple[str, bytes]:
    """Return the (name, exchange key) of a hello; if `person` trusts an identity for that name, insist on it."""
    frame: dict[str, Any] = json.loads(line)
    name, public = frame["name"], unb64(frame, "public")
    expected = person.trusted.get(name)
    if expected is None:
        return name, public  # nothing to check against: trust on first use, or no authentication at all
    if "identity" not in frame or unb64(frame, "identity") != expected:
        raise HandshakeRefused(f"{name}'s identity key is not the one you checked")
    try:
        signing.verify(expected, unb64(frame, "signature"), HELLO_SIGNATURE, name.encode() + b"\x00" + public)
    except BadSignature:
        raise HandshakeRefused(f"{name}'s exchange key is not signed by {name}") from None
    return name, public


def derive(person: Person, peer_name: str, peer_public: bytes) -> bytes:
    """Return the session key both sides derive, bound to both names."""
    context = "|".join(sorted([person.name, peer_name])).encode()
    return exchange.session_key(person.exchange_key, peer_public, context)


def seal_line(key: bytes, text: str) -> bytes:
    """Encrypt one text under the session key as a line: {"nonce", "ciphertext"}."""
    nonce, ciphertext = sealed.seal(key, text.encode(), SESSION_AD, b"")
    return json.dumps({"nonce": b64(nonce), "ciphertext": b64(ciphertext)}).encode() + b"\n"


def open_line(key: bytes, line: bytes | str) -> str:
    """Decrypt a line seal_line made, or raise CannotDecrypt."""
    frame: dict[str, Any] = json.loads(line)
    return sealed.open_sealed(key, unb64(frame, "nonce"), unb64(frame, "ciphertext"), SESSION_AD, b"").decode()


def line_reader(sock: socket.socket) -> LineReader:
    """Read a socket's lines through the bounded buffer, with the chat's own limit."""
    return LineReader(sock.recv, MAX_LINE_BYTES)


def greet(sock: socket.socket, reader: LineReader, person: Person, side: Side) -> bool:
    """Swap hellos on a connected socket and fill in the side's key; return False (with side.error) if refused."""
    try:
        sock.sendall(hello_line(person))
        peer_name, peer_public = check_hello(person, reader.readline())
    except (HandshakeRefused, ValueError, KeyError, OSError) as refused:
        side.error = str(refused) or "no hello from the other side"
        return False
    side.key = derive(person, peer_name, peer_public)
    side.safety_number = exchange.safety_number(person.public, peer_public)
    return True


def send_all(sock: socket.socket, side: Side, texts: list[str]) -> None:
    """Send each text sealed under the side's key; note it if the other side hung up (e.g. after refusing us)."""
    try:
        for text in texts:
            sock.sendall(seal_line(side.key, text))
    except OSError:
        side.error = "the connection was closed before every text was sent"


def receive_all(reader: LineReader, side: Side, expected: int) -> None:
    """Read up to `expected` sealed lines and open each with the side's key, noting what fails."""
    for _ in range(expected):
        try:
            line = reader.readline()
        except LineTooLong as refused:
            side.error = f"{refused}, and the connection was closed"  # the rest of that line is not worth reading
            return
        except OSError:
            side.error = "the connection was closed before every text arrived"
            return
        try:
            side.received.append(open_line(side.key, line))
        except (CannotDecrypt, ValueError, KeyError):
            side.error = "could not decrypt: this line was not sealed with our session key"


class Meeting:
    """Bob's listening socket on loopback; run() makes Alice connect (maybe via a relay) and talk to him."""

    running: ClassVar[weakref.WeakSet["Meeting"]] = weakref.WeakSet()

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(WAIT_SECONDS)
        self.address: tuple[str, int] = ("127.0.0.1", self._listener.getsockname()[1])
        Meeting.running.add(self)

    def run(self, alice: Person, bob: Person, texts: list[str], via: Relay | None = None) -> tuple[Side, Side]:
        """Let Alice greet Bob and send him `texts`; return what each side ended up with."""
        alice_side = Side(alice.name)
        bob_side, listening = self.answer(bob, len(texts))
        sock = socket.create_connection(via.address if via else self.address, timeout=WAIT_SECONDS)
        with sock:
            if greet(sock, line_reader(sock), alice, alice_side):
                send_all(sock, alice_side, texts)
            listening.join(timeout=2 * WAIT_SECONDS)  # keep the line open until Bob has read everything
        return alice_side, bob_side

    def answer(self, bob: Person, expected: int) -> tuple[Side, threading.Thread]:
        """Let Bob, on a thread of his own, accept one connection, greet, and read up to `expected` sealed lines."""
        side = Side(bob.name)
        listening = threading.Thread(target=self._bob, args=(bob, side, expected), name="chatkit-handshake")
        listening.start()
        return side, listening

    def _bob(self, bob: Person, side: Side, expected: int) -> None:
        """Accept one connection, greet, and read up to `expected` sealed lines."""
        try:
            conn, _ = self._listener.accept()
        except OSError:
            side.error = "nobody came"
            return
        with conn:
            conn.settimeout(WAIT_SECONDS)
            reader = line_reader(conn)
            if not greet(conn, reader, bob, side):
                return
            receive_all(reader, side, expected)

    def close(self) -> None:
        """Stop listening. Safe to call twice."""
        self._listener.close()
        Meeting.running.discard(self)

    @classmethod
    def close_all(cls) -> None:
        """Close every meeting this kernel opened (notebooks call it first, so a re-run starts clean)."""
        for meeting in list(cls.running):
            meeting.close()

    def __enter__(self) -> "Meeting":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
