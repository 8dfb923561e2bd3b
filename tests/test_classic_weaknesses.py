"""The classic mode's weaknesses are real against the kit's own server (docs/security.md, the classic table)."""

import base64
import secrets
from pathlib import Path

import pytest

from chatkit import protocol
from chatkit.client import ChatClient, ChatMessage, Problem, Wire

from .conftest import Connect, StartServer


def said_line(client: ChatClient, text: str) -> bytes:
    """Send a message and return the 'say' line that crossed the wire, as an eavesdropper captured it."""
    client.send(text)
    client.wait_for(lambda e: isinstance(e, ChatMessage) and e.own and e.text == text)
    wire = [e for e in client.history if isinstance(e, Wire) and e.direction == "sent" and b'"say"' in e.line]
    return wire[-1].line


def forged_say(raw: bytes) -> bytes:
    """Return a 'say' line carrying base64(raw) as its ciphertext, as an attacker on the wire would inject it."""
    return protocol.encode({"type": "say", "ciphertext": base64.b64encode(raw).decode()})


def token_bytes(line: bytes) -> bytes:
    """Return IV || ciphertext of a captured 'say' line."""
    return base64.b64decode(protocol.decode(line)["ciphertext"])


def database_bytes(path: str) -> bytes:
    """Return the bytes of an SQLite database and its write-ahead log, as anyone with the file can read them."""
    return b"".join(Path(name).read_bytes() for name in (path, path + "-wal") if Path(name).exists())


def test_database_holds_plaintext(start_server: StartServer, connect: Connect) -> None:
    server = start_server("classic")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    marker = f"secret-{secrets.token_hex(8)}"
    alice.send(f"the code is {marker}")
    bob.wait_for(lambda e: isinstance(e, ChatMessage) and marker in e.text)
    server.log.flush()
    assert marker.encode() in database_bytes(server.db_path)
    assert server.recent(1)[0].payload == f"the code is {marker}"


def test_cbc_bit_flip_changes_what_the_room_reads(start_server: StartServer, connect: Connect) -> None:
    server = start_server("classic")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    original, forged = b"pay bob 10 euros", b"pay eve 99 euros"  # one block: flipping the IV rewrites it
    token = token_bytes(said_line(alice, original.decode()))
    iv = bytes(a ^ b ^ c for a, b, c in zip(token[:16], original, forged, strict=True))
    alice.send_line(forged_say(iv + token[16:]))
    got = bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == forged.decode())
    assert isinstance(got, ChatMessage) and got.sender == "alice"
    assert server.recent(1)[0].payload == forged.decode()


def bad_padding_token(alice: ChatClient) -> bytes:
    """Make a ciphertext whose padding is wrong: 15 letters and a 0x01 pad byte turned into 0x05."""
    token = bytearray(token_bytes(said_line(alice, "fifteen letters")))
    token[15] ^= 0x01 ^ 0x05
    return bytes(token)


def bad_text_token(alice: ChatClient) -> bytes:
    """Make a ciphertext with valid padding but a first byte that is not UTF-8."""
    token = bytearray(token_bytes(said_line(alice, "fifteen letters")))
    token[0] ^= 0x80
    return bytes(token)


def error_for(alice: ChatClient, token: bytes) -> Problem:
    """Send a forged ciphertext and return the server's answer to it."""
    before = sum(isinstance(e, Problem) for e in alice.history)
    alice.send_line(forged_say(token))
    alice.wait_for(lambda e: sum(isinstance(x, Problem) for x in alice.history) > before)
    return [e for e in alice.history if isinstance(e, Problem)][before]


def test_padding_oracle_tells_bad_padding_apart(start_server: StartServer, connect: Connect) -> None:
    server = start_server("classic", padding_oracle=True)
    alice = connect(server, "alice")
    padding, text = error_for(alice, bad_padding_token(alice)), error_for(alice, bad_text_token(alice))
    assert padding.code == "bad_padding"
    assert text.code == "cannot_decrypt"


def test_without_the_oracle_every_failure_looks_the_same(start_server: StartServer, connect: Connect) -> None:
    server = start_server("classic")
    alice = connect(server, "alice")
    padding, text = error_for(alice, bad_padding_token(alice)), error_for(alice, bad_text_token(alice))
    short = error_for(alice, b"too short")
    assert padding.code == text.code == short.code == "cannot_decrypt"
    assert padding.text == text.text == short.text


@pytest.mark.parametrize("oracle", [False, True])
def test_bad_ciphertext_is_not_relayed_or_stored(oracle: bool, start_server: StartServer, connect: Connect) -> None:
    server = start_server("classic", padding_oracle=oracle)
    alice, bob = connect(server, "alice"), connect(server, "bob")
    error_for(alice, bad_padding_token(alice))
    alice.send("after the forgery")  # relayed in order: anything relayed before it has reached bob
    bob.wait_for(lambda e: isinstance(e, ChatMessage) and e.text == "after the forgery")
    assert [m.text for m in bob.messages()] == ["fifteen letters", "after the forgery"]
    assert [row.payload for row in server.recent(10)] == ["fifteen letters", "after the forgery"]


def test_replayed_say_line_is_accepted_again(start_server: StartServer, connect: Connect) -> None:
    server = start_server("classic")
    alice, bob = connect(server, "alice"), connect(server, "bob")
    line = said_line(alice, "transfer 100 euros")
    alice.send_line(line)
    alice.send_line(line)
    bob.wait_for(lambda e: [m.text for m in bob.messages()].count("transfer 100 euros") == 3)
    assert [row.payload for row in server.recent(3)] == ["transfer 100 euros"] * 3
