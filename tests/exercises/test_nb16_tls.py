"""Checks for notebook 16's TLS exercises, on live TLS stages (random texts, and a classroom CA made per stage)."""

import secrets
import ssl
from collections.abc import Callable
from types import ModuleType

import pytest

from chatkit.client import ChatClient, Wire
from chatkit.client.tls import TlsFailed
from chatkit.lab import TO_SERVER, Relay, Stage

Load = Callable[[str], ModuleType]
StageFactory = Callable[..., Stage]
FAST = 1_000  # PBKDF2 iterations for the test clients (the kit's default is 600,000)


def send_and_capture(person: ChatClient, relay: Relay, text: str) -> tuple[bytes, bytes]:
    """Send a text through the relay; return (the line the client sent, the one TLS record that carried it)."""
    before, said_before = len(relay.lines(TO_SERVER)), sum(message.text == text for message in person.messages())
    person.send(text)
    person.wait_for_message(text, sender=person.name, count=said_before + 1)  # this time's echo, not an earlier one
    sent = [event.line for event in list(person.history) if isinstance(event, Wire) and event.direction == "sent"]
    (record,) = relay.lines(TO_SERVER)[before:]
    return sent[-1], record.line


def random_text(size: int) -> str:
    return secrets.token_hex(size)[:size]


def test_line_length_reads_the_length_of_a_live_line(exercise: Load, stage_factory: StageFactory) -> None:
    ex = exercise("nb16_tls")
    stage = stage_factory("classic", tls=True, iterations=FAST)
    relay = stage.relay()
    person = stage.client(f"p{secrets.token_hex(3)}", via=relay)
    for size in (1, secrets.randbelow(100) + 2, secrets.randbelow(400) + 100):
        line, record = send_and_capture(person, relay, random_text(size))
        assert ex.line_length(record) == len(line)


def test_which_was_sent_tells_known_texts_apart_by_length(exercise: Load, stage_factory: StageFactory) -> None:
    ex = exercise("nb16_tls")
    stage = stage_factory("classic", tls=True, iterations=FAST)
    relay = stage.relay()
    person = stage.client(f"p{secrets.token_hex(3)}", via=relay)
    texts = [random_text(size) for size in (3, 20 + secrets.randbelow(5), 45 + secrets.randbelow(5), 90)]
    known = {text: len(send_and_capture(person, relay, text)[0]) for text in texts}
    secret = secrets.choice(texts)
    _, record = send_and_capture(person, relay, secret)
    assert ex.which_was_sent(record, known) == secret
    assert ex.which_was_sent(record, {"never said": known[secret] + 7}) is None


def test_the_pinned_context_trusts_the_classroom_ca_only(exercise: Load, stage_factory: StageFactory) -> None:
    ex = exercise("nb16_tls")
    real, fake = stage_factory("classic", tls=True, iterations=FAST), stage_factory("classic", tls=True)
    assert real.tls is not None
    context = ex.pinned_context(real.tls.ca_cert)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_3
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert len(context.get_ca_certs()) == 1, "load the classroom CA's certificate and nothing else"
    alice = real.client(f"a{secrets.token_hex(3)}", tls=context)
    assert alice.connected
    with pytest.raises(TlsFailed, match="not signed by the classroom CA"):
        fake.client(f"a{secrets.token_hex(3)}", password=real.password, tls=context)


def test_signed_by_tells_the_classroom_ca_from_a_fake_one(exercise: Load, stage_factory: StageFactory) -> None:
    ex = exercise("nb16_tls")
    real, fake = stage_factory("classic", tls=True), stage_factory("classic", tls=True)
    assert real.tls is not None and fake.tls is not None
    ca = real.tls.ca_cert.read_bytes()
    assert ex.signed_by(real.tls.server_cert.read_bytes(), ca) is True
    assert ex.signed_by(fake.tls.server_cert.read_bytes(), ca) is False
    assert ex.signed_by(fake.tls.server_cert.read_bytes(), fake.tls.ca_cert.read_bytes()) is True
