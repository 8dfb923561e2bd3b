"""Attacks on the client by a server (or network) that lies: bad shapes, forged lines, absurd numbers, floods.

A fake server on loopback (tests/fake_server.py) greets a real ChatClient, then sends what a malicious server
would; the relay plays the active network attacker between a real server and a real client. Each test asserts
the attack fails: the line is reported and dropped, nothing the person sees is forged, the receiver lives on.
"""

import math
from collections.abc import Iterator
from typing import Any

import pytest

from chatkit import protocol
from chatkit.cli import client as terminal_client
from chatkit.cli.client import Terminal, describe
from chatkit.client import ChatClient
from chatkit.client.codec import ClassicCodec, SealedCodec
from chatkit.client.events import ChatMessage, Closed, Event, Joined, Members, Notice, Problem, RoomList
from chatkit.client.inbox import Inbox
from chatkit.client.session import ClientSession
from chatkit.lab import Relay
from chatkit.lab.relay import TO_CLIENT
from chatkit.protocol import ChatError
from chatkit.widgets.chat_rows import Entry, entry_for, row_html, row_text, spoken
from chatkit.widgets.look import clock
from tests.conftest import FAST_ITERATIONS, eventually
from tests.fake_server import PASSWORD, FakeServer

WAIT = 10.0
FORGED = "hi\n[general] alice: send the exam answers to mallory"
ANSI = "\x1b[2K\r[general] alice: forged by an escape sequence"


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    server = FakeServer()
    yield server
    server.stop()


@pytest.fixture
def alice(fake: FakeServer) -> Iterator[ChatClient]:
    client = ChatClient(*fake.address, "alice", PASSWORD, "general", "classic")
    client.connect()
    yield client
    client.close()


def problems(client: ChatClient) -> list[Problem]:
    return [event for event in list(client.history) if isinstance(event, Problem)]


def still_alive(fake: FakeServer, client: ChatClient, text: str = "still here") -> bool:
    """Send a normal message after the attack; return whether the client received it."""
    fake.send_frame(fake.classic_message(text))
    return client.wait_for_message(text, timeout=WAIT) is not None


def reported(client: ChatClient, count: int = 1) -> bool:
    return eventually(lambda: len(problems(client)) >= count, WAIT)


BAD_FRAMES: dict[str, dict[str, Any]] = {
    "room_list entry not an object": {"type": "room_list", "rooms": [1, "general"]},
    "room_list count not a number": {"type": "room_list", "rooms": [{"room": "general", "members": "lots"}]},
    "room_list count negative": {"type": "room_list", "rooms": [{"room": "general", "members": -5}]},
    "room_list room not a name": {"type": "room_list", "rooms": [{"room": "x\ny", "members": 1}]},
    "members names not strings": {"type": "members", "room": "general", "names": [1, None, {"a": 1}]},
    "members names not names": {"type": "members", "room": "general", "names": ["bob\n[general] alice: hi"]},
    "members room not a name": {"type": "members", "room": "gen eral", "names": ["bob"]},
    "message sender not a name": {"sender": "bob\n[general] alice"},
    "message room not a name": {"room": "\x1b[31mgeneral"},
    "message time absurd": {"time": 1e18},
    "message time negative": {"time": -1.0},
    "message id huge": {"id": 10**30},
    "message counter negative": {"counter": -1},
    "message counter huge": {"counter": 2**70},
    "client-only type": {"type": "say", "ciphertext": "q83v"},
}


@pytest.mark.parametrize("attack", list(BAD_FRAMES))
def test_s9_a_line_with_a_bad_shape_is_reported_and_dropped(fake: FakeServer, alice: ChatClient, attack: str) -> None:
    frame = BAD_FRAMES[attack]
    fake.send_frame(fake.classic_message("poison", **frame) if "type" not in frame else frame)
    assert reported(alice), f"{attack}: no Problem reported"
    assert still_alive(fake, alice), f"{attack}: the receiver died"
    shown = [e for e in list(alice.history) if isinstance(e, ChatMessage | Members | RoomList)]
    assert [e.text for e in shown if isinstance(e, ChatMessage)] == ["still here"], f"{attack}: it changed state"
    assert not [e for e in shown if not isinstance(e, ChatMessage)], f"{attack}: a bad list was shown"


def test_s9_an_unexpected_error_in_a_handler_is_reported_and_the_receiver_lives(
    fake: FakeServer, alice: ChatClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("a bug in a handler")

    monkeypatch.setattr(type(alice.session.codec), "open", broken)
    fake.send_frame(fake.classic_message("boom"))
    assert reported(alice)
    monkeypatch.undo()
    assert still_alive(fake, alice)


def test_s9_a_joined_with_broken_room_parameters_is_refused_at_once() -> None:
    fake = FakeServer("sealed", {"room": "general", "kdf": {"name": "md5"}, "check": "AA=="})
    client = ChatClient(*fake.address, "alice", PASSWORD, "general", "sealed", iterations=FAST_ITERATIONS)
    try:
        with pytest.raises(ChatError, match="room parameters"):
            client.connect()
        assert eventually(lambda: any(isinstance(e, Closed) for e in list(client.history)))  # shown, not silent
    finally:
        client.close()
        fake.stop()


def test_s10_an_unsolicited_joined_does_not_move_the_person(fake: FakeServer, alice: ChatClient) -> None:
    fake.send_frame({"type": "joined", "room": "trap"})
    assert reported(alice)
    assert alice.room == "general"
    assert not [e for e in list(alice.history) if isinstance(e, Joined) and e.room == "trap"]
    assert "unsolicited" in problems(alice)[-1].text or "did not ask" in problems(alice)[-1].text
    assert still_alive(fake, alice)


def test_s10_a_joined_for_another_room_than_asked_is_refused() -> None:
    fake = FakeServer(joined={"room": "trap"})
    client = ChatClient(*fake.address, "alice", PASSWORD, "general", "classic")
    try:
        with pytest.raises(ChatError, match="trap"):
            client.connect()
        assert client.room == "general"
    finally:
        client.close()
        fake.stop()


def room_made_by(creator: str) -> dict[str, object]:
    """The 'joined' a server sends once `creator`'s client has made room general (its own salt and check)."""
    session = ClientSession(creator, "general", SealedCodec(PASSWORD, FAST_ITERATIONS))
    session.hello()
    (check,) = session.receive(protocol.encode({"type": "joined", "room": "general"})).replies
    return {"type": "joined", "room": "general", "kdf": check["kdf"], "check": check["check"]}


def test_s10_a_replaced_salt_for_a_room_is_refused() -> None:
    session = ClientSession("alice", "general", SealedCodec(PASSWORD, FAST_ITERATIONS))
    session.hello()
    first = session.receive(protocol.encode(room_made_by("bob")))
    assert first.events == (Joined("general"),)
    session.join("general")
    second = session.receive(protocol.encode(room_made_by("carol")))  # same passphrase, another salt
    assert second.refusal is not None and second.refusal.code == "room_changed"
    assert isinstance(second.events[0], Problem)


def one_line(text: str | None) -> str:
    assert text is not None
    return text


@pytest.mark.parametrize("text", [FORGED, ANSI, "bell\x07 and \u202eevil right-to-left", "line\u2028separator"])
def test_s10_text_cannot_forge_a_terminal_line(text: str) -> None:
    events: list[Event] = [
        ChatMessage(room="general", sender="bob", text=text, time=1.7e9, ciphertext="", line=b"", own=False),
        Notice(text),
        Problem("malformed", text),
        Members("general", [text]),
    ]
    for event in events:
        shown = one_line(describe(event, show_wire=False))
        assert shown.isprintable(), f"{shown!r} holds a control character"
    if "\n" in text:
        assert "\\n" in one_line(describe(events[0], show_wire=False))


def test_s10_a_forged_notice_prints_as_one_visible_line(fake: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    terminal = Terminal(show_wire=False)
    client = ChatClient(*fake.address, "alice", PASSWORD, "general", "classic", on_event=terminal.on_event)
    try:
        client.connect()
        fake.send_frame({"type": "notice", "text": FORGED})
        fake.send_frame(fake.classic_message(ANSI))
        assert client.wait_for_message(ANSI, timeout=WAIT) is not None
    finally:
        client.close()
    printed = capsys.readouterr().out.splitlines()
    assert "* hi\\n[general] alice: send the exam answers to mallory" in printed
    assert not [line for line in printed if line.startswith("[general] alice")]
    assert "\x1b" not in "".join(printed)


def test_s10_a_refusal_text_from_the_server_prints_as_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeServer(answer={"type": "error", "code": "name_taken", "text": FORGED})
    monkeypatch.setenv(terminal_client.PASSWORD_VARIABLE, PASSWORD)
    try:
        port = str(fake.address[1])
        code = terminal_client.main(["--port", port, "--username", "alice", "--mode", "classic"])
    finally:
        fake.stop()
    assert code == terminal_client.EXIT_REFUSED
    printed = capsys.readouterr().out.splitlines()
    assert not [line for line in printed if line.startswith("[general] alice")], printed


def test_s10_an_injected_notice_on_the_network_prints_as_one_line(
    start_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_server("sealed")
    with Relay(server.address).start() as relay:
        terminal = Terminal(show_wire=False)
        client = ChatClient(*relay.address, "alice", PASSWORD, iterations=FAST_ITERATIONS, on_event=terminal.on_event)
        try:
            client.connect()
            relay.inject(1, TO_CLIENT, protocol.encode({"type": "notice", "text": FORGED}))
            relay.inject(1, TO_CLIENT, protocol.encode({"type": "joined", "room": "trap"}))
            assert reported(client)
            assert client.room == "general"
        finally:
            client.close()
    printed = capsys.readouterr().out.splitlines()
    assert not [line for line in printed if line.startswith("[general] alice")]


@pytest.mark.parametrize("text", [FORGED, ANSI, "nul\x00 and del\x7f"])
def test_s10_the_widget_shows_control_characters_escaped(text: str) -> None:
    message = ChatMessage(room="general", sender="bob", text=text, time=1.7e9, ciphertext="", line=b"", own=False)
    for entry in (entry_for(message), entry_for(Notice(text)), entry_for(Problem("malformed", text))):
        assert entry is not None
        for shown in (row_text(entry, "base64"), row_html(entry, "base64"), spoken(entry)):
            assert "\n" not in shown and "\x1b" not in shown and "\x00" not in shown and "\x7f" not in shown
    notice = entry_for(Notice(FORGED))
    assert notice is not None and "hi\\n[general] alice" in row_html(notice, "base64")


@pytest.mark.parametrize("when", [1e18, -1e18, 1e308, -0.0, math.nan, math.inf, -math.inf, 2.0**63])
def test_s11_time_formatting_never_crashes(when: float) -> None:
    assert len(clock(when)) == 8
    assert row_html(Entry("message", "hi", when, "bob", "general"), "hex")


def test_s11_a_message_with_an_absurd_time_is_refused(fake: FakeServer, alice: ChatClient) -> None:
    fake.send_frame(fake.classic_message("from the far future", time=1e18))
    assert reported(alice)
    assert "time" in problems(alice)[-1].text
    assert still_alive(fake, alice)
    assert [m.text for m in alice.inbox.messages()] == ["still here"]


def test_s9_the_history_is_capped_and_says_so_once() -> None:
    heard: list[Event] = []
    inbox = Inbox([heard.append], limit=10)
    for number in range(25):
        inbox.put(Notice(f"flood {number}"))
    assert len(inbox.history) == 10
    notes = [e for e in heard if isinstance(e, Notice) and "forgotten" in e.text]
    assert len(notes) == 1
    assert inbox.dropped == 16  # 25 floods and the note were put, 10 kept


def test_s9_a_handler_that_fails_on_the_answer_fails_the_request_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("a bug while joining")

    monkeypatch.setattr(ClassicCodec, "on_joined", broken)
    fake = FakeServer()
    client = ChatClient(*fake.address, "alice", PASSWORD, "general", "classic")
    try:
        with pytest.raises(ChatError, match="could not handle a 'joined' line"):
            client.connect()
    finally:
        client.close()
        fake.stop()
