"""Hypothesis against every handler of the client session: whatever a server sends, the client lives on (S9).

Each example feeds a session (or a live client, through a fake server on loopback) frames of every type the
protocol knows, with fields of the right JSON type or of any other, and arbitrary bytes. Afterwards the session
must be where it was (same room, not waiting), still answer, and a normal message must still arrive.
"""

import json
import unicodedata
from collections.abc import Iterator
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatkit import protocol
from chatkit.cli.client import describe
from chatkit.client import ChatClient
from chatkit.client.codec import ClassicCodec, Codec, SealedCodec
from chatkit.client.events import ChatMessage, Closed, Event, Members, Notice, Problem
from chatkit.client.session import ClientSession, Outcome
from chatkit.crypto import signing
from chatkit.widgets.chat_rows import entry_for, row_html, row_text, spoken
from tests.conftest import FAST_ITERATIONS
from tests.fake_server import PASSWORD, FakeServer

WAIT = 10.0

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=10,
)
SALT = protocol.b64(b"sixteen byte salt")
plausible_text = st.sampled_from(["general", "bob", "alice", SALT, "q83v", "", "x\ny", "\x1b[2J", "a" * 40])
RIGHT_TYPE: dict[type, st.SearchStrategy[Any]] = {
    str: plausible_text | st.text(max_size=40),
    int: st.integers() | st.sampled_from([0, 1, -1, 2**63, 10**30]),
    float: st.floats() | st.sampled_from([0.0, 1.7e9, 1e18, -1.0]),
    list: st.lists(json_values, max_size=5) | st.lists(plausible_text, max_size=5),
    dict: st.dictionaries(plausible_text, json_values, max_size=5)  # a room's parameters: any shape
    | st.fixed_dictionaries(
        {"name": st.sampled_from(["argon2id", "pbkdf2-sha256", "md5"])},
        optional={
            "salt": plausible_text,
            "iterations": st.integers(),
            "memory_kib": st.integers(),
            "passes": st.integers(),
        },
    ),
}


def frames_of(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    """Frames of one type: each field present or not, of its own JSON type or of any other."""
    fields = {name: RIGHT_TYPE[expected] | json_values for name, expected in protocol.FIELDS[kind].items()}
    return st.fixed_dictionaries({"type": st.just(kind)}, optional=fields)


any_frame = st.sampled_from(sorted(protocol.FIELDS)).flatmap(frames_of)
as_line = any_frame.map(lambda frame: json.dumps(frame).encode() + b"\n")
any_line = as_line | st.binary(max_size=200).map(lambda data: data.replace(b"\n", b"") + b"\n")


def relayed(codec: Codec, text: str, sender: str = "bob", message_id: int = 1) -> bytes:
    """The line a server relays when `sender` says `text` through `codec` in general."""
    say = {key: value for key, value in codec.seal(text, "general", sender).items() if key != "type"}
    frame = {"room": "general", "time": 1.7e9, **say, "type": "message", "id": message_id, "sender": sender}
    if isinstance(codec, SealedCodec):
        frame["pubkey"] = protocol.b64(signing.public_bytes(codec.identity))
    return protocol.encode(frame)


def settled_session(mode: str) -> tuple[ClientSession, Codec]:
    """A session in general, its hello answered; and a codec for bob that alice's session can read."""
    if mode == "classic":
        session, bob = ClientSession("alice", "general", ClassicCodec(PASSWORD)), ClassicCodec(PASSWORD)
    else:
        session = ClientSession("alice", "general", SealedCodec(PASSWORD, FAST_ITERATIONS))
        bob = SealedCodec(PASSWORD, FAST_ITERATIONS)
    session.hello()
    answer = session.receive(protocol.encode({"type": "joined", "room": "general"}))  # a new room: alice creates it
    if mode == "sealed":
        (check,) = answer.replies  # what alice's client chose for the room; the server stores it and says so
        stored = {"type": "joined", "room": "general", "kdf": check["kdf"], "check": check["check"]}
        session.receive(protocol.encode(stored))
        bob.on_joined(stored, "bob")
    return session, bob


SESSIONS = {mode: settled_session(mode) for mode in ("classic", "sealed")}


def assert_alive(session: ClientSession, bob: Codec, outcome: Outcome, text: str) -> None:
    """The garbage changed nothing it should not, and a normal message still opens."""
    assert isinstance(outcome, Outcome) and all(isinstance(event, get_args(Event)) for event in outcome.events)
    assert session.room == "general" and not session.waiting and not outcome.hang_up
    events = session.receive(relayed(bob, text)).events
    assert [event.text for event in events if isinstance(event, ChatMessage)] == [text]


@pytest.mark.parametrize("mode", sorted(SESSIONS))
@settings(max_examples=150, deadline=None)
@given(line=any_line)
def test_s9_every_handler_survives_any_frame(mode: str, line: bytes) -> None:
    session, bob = SESSIONS[mode]
    outcome = session.receive(line)
    assert_alive(session, bob, outcome, "after the garbage")


@pytest.mark.parametrize("kind", sorted(protocol.FIELDS))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_s9_each_kind_of_frame_is_handled_or_reported(kind: str, data: st.DataObject) -> None:
    session, bob = SESSIONS["sealed"]
    frame = data.draw(frames_of(kind))
    outcome = session.receive(json.dumps(frame).encode() + b"\n")
    if kind not in ("welcome",) and outcome.events == ():
        pytest.fail(f"a {kind!r} frame changed nothing and said nothing: {frame!r}")
    assert_alive(session, bob, outcome, f"after a {kind}")


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[FakeServer, ChatClient]]:
    fake = FakeServer()
    client = ChatClient(*fake.address, "alice", PASSWORD, "general", "classic")
    client.connect()
    yield fake, client
    client.close()
    fake.stop()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(any_line, min_size=1, max_size=5))
def test_s9_the_receiver_is_alive_after_each_example(live: tuple[FakeServer, ChatClient], lines: list[bytes]) -> None:
    fake, client = live
    marker = f"alive after {len(client.history)} events"
    fake.send(b"".join(lines))
    fake.send_frame(fake.classic_message(marker))
    assert client.wait_for_message(marker, timeout=WAIT)
    assert client.connected and client.room == "general"
    assert not [
        event for event in list(client.history) if isinstance(event, Problem) and "could not handle" in event.text
    ]


FORGING = {"Cc", "Zl", "Zp"}  # controls and line or paragraph separators: what can start a line or move the cursor


def forges(shown: str) -> bool:
    """Return whether shown text still holds a character that could forge a line or reorder it."""
    return any(
        unicodedata.category(c) in FORGING or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in shown
    )


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60), name=st.text(max_size=20), when=st.floats())
def test_s10_nothing_shown_in_the_terminal_or_the_widget_forges_a_line(text: str, name: str, when: float) -> None:
    message = ChatMessage(room=name, sender=name, text=text, time=when, ciphertext=text, line=b"", own=False)
    for event in (message, Notice(text), Problem("malformed", text), Members(name, [name, text]), Closed(text)):
        shown = describe(event, show_wire=False)
        assert shown is not None and not forges(shown), repr(shown)
        entry = entry_for(event)
        if entry is not None:
            for rendered in (row_text(entry, "hex"), row_html(entry, "base64"), spoken(entry)):
                assert not forges(rendered), repr(rendered)
