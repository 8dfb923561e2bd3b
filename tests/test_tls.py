"""TLS to the server, on real servers on loopback: a chat works, a fake server is refused, mismatches say so.

Each test makes its classroom CA in its own tmp_path; the secrets chatted are random per run.
"""

import os
import secrets
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from chatkit.cli.client import EXIT_CANNOT_CONNECT
from chatkit.client import ChatClient, Refused
from chatkit.client.tls import FAKE_SERVER, NOT_TLS, TlsFailed, client_context
from chatkit.crypto.classroom_ca import (
    ClassroomCAError,
    TlsFiles,
    classroom_ca,
    private_pem,
    self_signed_ca,
    write_private,
)
from chatkit.lab import TO_SERVER, Captured, Stage
from chatkit.lab.tls_records import APPLICATION_DATA, HEADER_BYTES
from chatkit.server import ChatServer
from chatkit.server.tls import NEEDS_TLS, server_context
from tests.conftest import FAST_ITERATIONS, PASSWORD, Connect, StartServer

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def ca(tmp_path: Path) -> TlsFiles:
    """The classroom CA of this test, in its own folder."""
    return classroom_ca(tmp_path / "classroom")


def tls_server(start_server: StartServer, files: TlsFiles, mode: str = "sealed") -> ChatServer:
    """Start a server presenting the certificate in `files`."""
    return start_server(mode, tls=server_context(files.server_cert, files.server_key))


def test_a_chat_over_tls_works(ca: TlsFiles, start_server: StartServer, connect: Connect) -> None:
    server = tls_server(start_server, ca, "classic")
    alice = connect(server, "alice", tls=client_context(ca.ca_cert))
    bob = connect(server, "bob", tls=ca.ca_cert)  # the CA's file is enough: the client makes the context
    text = f"meet at dock {secrets.token_hex(4)}"
    alice.send(text)
    assert bob.wait_for_message(text, sender="alice").text == text


def test_a_fake_server_with_another_ca_is_refused_in_words(
    ca: TlsFiles, tmp_path: Path, start_server: StartServer
) -> None:
    fake = tls_server(start_server, classroom_ca(tmp_path / "fake"))  # same names, its own self-made CA
    client = ChatClient(*fake.address, "alice", PASSWORD, iterations=FAST_ITERATIONS, tls=ca.ca_cert)
    with pytest.raises(TlsFailed, match=FAKE_SERVER):
        client.connect()
    assert not client.connected


def test_a_plain_client_to_a_tls_server_is_told_to_use_tls(
    ca: TlsFiles, start_server: StartServer, connect: Connect
) -> None:
    server = tls_server(start_server, ca)
    with pytest.raises(Refused, match="speaks TLS only") as refusal:
        connect(server, "alice")
    assert refusal.value.code == "wrong_mode" and NEEDS_TLS in str(refusal.value)


def test_a_tls_client_to_a_plain_server_is_told_it_is_not_tls(
    ca: TlsFiles, start_server: StartServer, connect: Connect
) -> None:
    server = start_server("sealed")
    with pytest.raises(TlsFailed, match="did not answer in TLS") as failure:
        connect(server, "alice", tls=ca.ca_cert)
    assert NOT_TLS in str(failure.value)


def test_a_client_that_never_finishes_the_handshake_stops_nobody(
    ca: TlsFiles, start_server: StartServer, connect: Connect
) -> None:
    server = tls_server(start_server, ca)
    with socket.create_connection(server.address, timeout=5) as silent:  # connects, then never says a word
        silent.sendall(b"\x16\x03\x01")  # the first bytes of a TLS record, and nothing more
        alice = connect(server, "alice", tls=ca.ca_cert)
        bob = connect(server, "bob", tls=ca.ca_cert)
        alice.send("still here")
        assert bob.wait_for_message("still here", sender="alice")


def test_the_key_files_are_readable_only_by_their_owner(ca: TlsFiles) -> None:
    assert stat.S_IMODE(os.stat(ca.folder).st_mode) == 0o700
    for path in (ca.ca_key, ca.ca_cert, ca.server_key, ca.server_cert):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_the_ca_is_kept_and_the_server_certificate_reused(ca: TlsFiles) -> None:
    before = (ca.ca_key.read_bytes(), ca.server_cert.read_bytes())
    again = classroom_ca(ca.folder)
    assert (again.ca_key.read_bytes(), again.server_cert.read_bytes()) == before


def test_a_classroom_ca_at_its_end_is_not_renewed_silently(tmp_path: Path) -> None:
    files = TlsFiles.at(tmp_path / "old")
    files.folder.mkdir()
    key = ec.generate_private_key(ec.SECP256R1())
    write_private(files.ca_key, private_pem(key))
    write_private(files.ca_cert, self_signed_ca(key, days=0).public_bytes(serialization.Encoding.PEM))
    with pytest.raises(ClassroomCAError, match="give every client the new classroom-ca.pem"):
        classroom_ca(files.folder)


@pytest.fixture
def tls_stage() -> Iterator[Stage]:
    with Stage("classic", tls=True, iterations=FAST_ITERATIONS) as stage:
        yield stage


def test_the_relay_sees_only_tls_records_no_plaintext(tls_stage: Stage) -> None:
    relay = tls_stage.relay()
    alice, bob = tls_stage.client("alice", via=relay), tls_stage.client("bob", via=relay)
    secret = f"the vault code is {secrets.token_hex(6)}"
    alice.send(secret)
    bob.wait_for_message(secret, sender="alice")
    seen = b"".join(captured.line for captured in relay.captured)
    for plaintext in (secret, tls_stage.password, '"type"', "alice", "general"):
        assert plaintext.encode() not in seen, f"{plaintext!r} crossed the network in the clear"
    assert all(len(c.line) >= HEADER_BYTES and c.line[0] in (20, 21, 22, 23) for c in relay.captured)
    assert sum(c.line[0] == APPLICATION_DATA for c in relay.captured) >= 4


def test_a_changed_record_ends_the_connection_and_changes_nothing(tls_stage: Stage) -> None:
    relay = tls_stage.relay()
    bob, carol = tls_stage.client("bob", via=relay), tls_stage.client("carol", via=relay)

    def flip_one_bit(seen: Captured) -> bytes:
        if seen.direction == TO_SERVER and seen.line[0] == APPLICATION_DATA:
            return seen.line[:-1] + bytes([seen.line[-1] ^ 1])
        return seen.line

    relay.tamper = flip_one_bit
    carol.send(f"pay carol {secrets.randbelow(1000)}")
    bob.wait_for_notice("carol left")
    assert [row for row in tls_stage.server.recent() if row.sender == "carol"] == []
    assert not [message for message in bob.messages() if message.sender == "carol"]


def test_tls_ends_at_the_server_the_classic_server_still_reads_everything(tls_stage: Stage) -> None:
    secret = f"the vault code is {secrets.token_hex(6)}"
    alice = tls_stage.client("alice")
    alice.send(secret)
    alice.wait_for_message(secret, sender="alice")
    assert tls_stage.server.recent()[-1].payload == secret  # encrypted in transit only, not end-to-end
    with Stage("sealed", tls=True, iterations=FAST_ITERATIONS) as sealed:
        sealed_alice = sealed.client("alice")
        sealed_alice.send(secret)
        sealed_alice.wait_for_message(secret, sender="alice")
        assert secret not in sealed.server.recent()[-1].payload  # the sealed mode over TLS: ciphertext only


def test_the_terminal_client_refuses_a_fake_server_in_words(tmp_path: Path, start_server: StartServer) -> None:
    classroom_ca(tmp_path / "classroom")
    fake = tls_server(start_server, classroom_ca(tmp_path / "fake"))
    environment = {**os.environ, "CHATKIT_PASSWORD": PASSWORD, "CHATKIT_TLS": str(tmp_path / "classroom")}
    command = [sys.executable, str(REPO / "scripts" / "run_client.py"), "--tls", "--port", str(fake.port)]
    command += ["--username", "alice"]
    done = subprocess.run(command, env=environment, input="hi\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == EXIT_CANNOT_CONNECT, done.stdout + done.stderr
    assert FAKE_SERVER in done.stdout and "Traceback" not in done.stdout + done.stderr


def test_the_terminal_client_and_server_chat_over_tls(tmp_path: Path) -> None:
    folder = tmp_path / "classroom"
    environment = {**os.environ, "CHATKIT_PASSWORD": PASSWORD, "CHATKIT_TLS": str(folder)}
    command = [sys.executable, str(REPO / "scripts" / "run_server.py"), "--tls", "--port", "0", "--mode", "classic"]
    command += ["--db", str(tmp_path / "chat.db")]
    server = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert "over TLS 1.3, listening on 127.0.0.1:" in first, first
        port = first.split("127.0.0.1:")[1].split(" ")[0]
        client = [sys.executable, str(REPO / "scripts" / "run_client.py"), "--tls", "--port", port]
        client += ["--username", "alice", "--mode", "classic"]
        done = subprocess.run(client, env=environment, input="over tls\n", capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "[general] alice: over tls" in done.stdout
    finally:
        server.terminate()
        server.wait(timeout=20)
        assert server.stdout is not None
        server.stdout.close()
