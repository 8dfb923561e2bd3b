"""The notebook widgets, driven from Python: real servers and clients, widgets read back as plain text.

Rendering in a browser is tested elsewhere; here we set values, call methods and flush(), then read what shows.
"""

import base64
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import ipywidgets
import pytest

from chatkit import protocol
from chatkit.client import ChatClient
from chatkit.lab import Stage
from chatkit.lab.eavesdrop import classic_guess
from chatkit.lab.relay import Relay
from chatkit.server import ChatServer
from chatkit.server.member import Limits
from chatkit.widgets import ByteDiff, ChatWidget, ServerPanel, SideBySide, WireView, close_all, show_side_by_side
from chatkit.widgets.chat_rows import Entry
from chatkit.widgets.log_pages import LogPages
from chatkit.widgets.throttle import Flusher

from .conftest import FAST_ITERATIONS, PASSWORD, StartServer

WAIT_SECONDS = 20.0
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def chat() -> Iterator[Callable[..., ChatWidget]]:
    """Make chat widgets with fast key derivation; every one is closed after the test."""
    made: list[ChatWidget] = []

    def make(
        server: ChatServer | tuple[str, int], name: str, password: str = PASSWORD, **options: object
    ) -> ChatWidget:
        widget = ChatWidget(server, name, password, iterations=FAST_ITERATIONS, **options)  # type: ignore[arg-type]
        made.append(widget)
        return widget

    yield make
    for widget in made:
        widget.close()


def wait_until(check: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS) -> None:
    """Poll `check` until it holds; fail saying `what` was awaited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    pytest.fail(f"waited {seconds} s for {what}")


def wait_for_row(widget: ChatWidget | WireView, needle: str) -> str:
    """Flush until a shown row contains `needle`; return that row."""
    found: list[str] = []

    def shown() -> bool:
        widget.flush()
        found[:] = [row for row in widget.log_rows() if needle in row]
        return bool(found)

    wait_until(shown, f"a row with {needle!r} in {widget!r}")
    return found[-1]


def wire_ciphertext(widget: ChatWidget, text: str) -> str:
    """Return the ciphertext of the received message line whose decryption is `text`, read off the wire."""
    message = next(m for m in widget.client.messages() if m.text == text)
    return str(json.loads(message.line)["ciphertext"])


# --- the chat widget ---


@pytest.mark.parametrize("mode", ["classic", "sealed"])
def test_three_people_chat_through_widgets(
    mode: str, start_server: StartServer, chat: Callable[..., ChatWidget]
) -> None:
    server = start_server(mode)
    alice, bob, carol = chat(server, "alice"), chat(server, "bob"), chat(server, "carol")
    assert alice.client.mode == mode
    alice.input.value = "hello <b>everyone</b>"  # what pressing Enter in the box does
    for reader in (bob, carol):
        row = wait_for_row(reader, "alice: hello <b>everyone</b>")
        assert row.endswith("[base64] " + wire_ciphertext(reader, "hello <b>everyone</b>"))
        assert "&lt;b&gt;everyone" in reader.log_html()  # escaped: a message cannot inject markup
    assert alice.input.value == ""
    wait_for_row(alice, "alice: hello")
    assert [entry.own for entry in alice.entries() if entry.kind == "message"] == [True]
    assert "chatkit-own" in alice.log_html() and "chatkit-own" not in bob.log_html()


def test_unread_counter_resets_when_you_send(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    server = start_server("sealed")
    alice, bob = chat(server, "alice"), chat(server, "bob")
    alice.say("one")
    alice.say("two")
    wait_for_row(bob, "alice: two")
    assert bob.unread == 2 and "(2 new)" in bob.title.value
    bob.say("got them")
    bob.flush()
    assert bob.unread == 0 and "new" not in bob.title.value


def test_hex_toggle_shows_the_same_bytes(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    server = start_server("sealed")
    alice, bob = chat(server, "alice"), chat(server, "bob")
    alice.say("in hex please")
    wait_for_row(bob, "in hex please")
    in_base64 = wire_ciphertext(bob, "in hex please")
    bob.encoding.value = "hex"  # the toggle re-renders at once
    row = next(row for row in bob.log_rows() if "in hex please" in row)
    assert row.endswith("[hex] " + base64.b64decode(in_base64).hex())
    bob.encoding.value = "base64"
    assert any(row.endswith(in_base64) for row in bob.log_rows())


def test_switching_rooms_stops_general(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    server = start_server("sealed")
    alice, bob, carol = chat(server, "alice"), chat(server, "bob"), chat(server, "carol")
    carol.join("lab")
    assert carol.client.room == "lab" and carol.room_box.value == "lab"
    carol.flush()
    assert "in lab" in carol.title.value
    alice.say("general only")
    wait_for_row(bob, "general only")
    carol.say("lab only")
    wait_for_row(carol, "carol: lab only")
    assert not any("general only" in row for row in carol.log_rows())
    assert not any("lab only" in row for row in bob.log_rows())


def test_a_bad_room_name_is_a_row_not_an_exception(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    alice = chat(start_server("sealed"), "alice")
    alice.join("no spaces allowed")
    wait_for_row(alice, "could not join")
    assert alice.client.room == "general"


# --- errors show up as rows ---


def test_wrong_password_in_sealed_mode_is_a_row(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    server = start_server("sealed")
    chat(server, "alice")  # the first member sets the room's password check
    eve = chat(server, "eve", "not the password")
    row = wait_for_row(eve, "wrong password")
    assert "!!" in row and "chatkit-problem" in eve.log_html()
    eve.say("anyone?")
    wait_for_row(eve, "not sent")


def test_wrong_password_in_classic_mode_is_a_row(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    eve = chat(start_server("classic"), "eve", "not the password")
    wait_for_row(eve, "wrong password")


def test_nobody_listening_is_a_row(start_server: StartServer) -> None:
    server = start_server("sealed")
    address = server.address
    server.stop()
    widget = ChatWidget(address, "alice", PASSWORD, iterations=FAST_ITERATIONS)
    try:
        assert any("could not connect" in row for row in widget.log_rows())
    finally:
        widget.close()


def test_tampered_message_is_a_row(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    server = start_server("sealed")
    mallory, bob = chat(server, "mallory"), chat(server, "bob")
    frame = mallory.client.codec.seal("pay bob 10", "general", "mallory")
    raw = bytearray(base64.b64decode(frame["ciphertext"]))
    raw[0] ^= 1
    mallory.client.send_line(protocol.encode({**frame, "ciphertext": base64.b64encode(bytes(raw)).decode()}))
    wait_for_row(bob, "could not decrypt: wrong password or tampered message")


def test_replayed_line_is_a_row(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    server = start_server("sealed")
    mallory = chat(server, "mallory")
    line = protocol.encode(mallory.client.codec.seal("once", "general", "mallory"))
    mallory.client.send_line(line)
    mallory.client.send_line(line)
    wait_for_row(mallory, "replay rejected")


def test_server_going_away_is_a_row(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    server = start_server("sealed")
    alice = chat(server, "alice")
    server.stop()
    wait_for_row(alice, "disconnected:")


# --- the server panel and the wire ---


@pytest.mark.parametrize(("mode", "readable"), [("classic", True), ("sealed", False)])
def test_server_panel_shows_roster_and_rows(
    mode: str, readable: bool, start_server: StartServer, chat: Callable[..., ChatWidget]
) -> None:
    server = start_server(mode)
    alice, bob = chat(server, "alice"), chat(server, "bob")
    alice.say("the secret plans")
    wait_for_row(bob, "the secret plans")
    panel = ServerPanel(server, rows=5)
    try:
        panel.refresh()
        text = panel._repr_mimebundle_()["text/plain"]
        assert "general: alice, bob" in text
        assert "the server can read everything" in text if readable else "ciphertext only" in text
        stored = [line for line in text.splitlines() if line.startswith("#")]
        assert len(stored) == 1 and "alice" in stored[0]
        assert ("the secret plans" in stored[0]) is readable
        server.stop()
        panel.refresh()
        assert "not running" in panel.text()
    finally:
        panel.close()


def test_wire_view_filters_by_room_and_sender(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    server = start_server("sealed")
    alice, bob = chat(server, "alice"), chat(server, "bob")
    wire = WireView(alice.client)
    try:
        bob.say("from bob")
        wait_for_row(alice, "bob: from bob")
        alice.join("lab")
        alice.say("from alice in lab")
        wait_for_row(alice, "alice: from alice in lab")
        wait_for_row(wire, "[lab] alice")
        wire.room_filter.value = "lab"
        assert wire.log_rows() and all("[lab]" in row for row in wire.log_rows())
        assert any('-> [lab] alice {"type": "say"' in row for row in wire.log_rows())  # her own lines, named
        wire.room_filter.value = ""
        wire.sender_filter.value = "bob"
        rows = wire.log_rows()
        assert len(rows) == 1 and "[general] bob" in rows[0] and '"type": "message"' in rows[0]
        assert "from bob" not in rows[0]  # sealed: the network sees ciphertext only
        assert "lab" in wire.room_filter.options and "bob" in wire.sender_filter.options
    finally:
        wire.close()
    assert wire._on_event not in alice.client.listeners


def test_wire_view_names_the_sender_of_each_connection() -> None:
    source = SimpleNamespace(listeners=[])
    wire = WireView(source)
    try:
        hello = json.dumps({"type": "hello", "name": "alice", "room": "general"}).encode()
        say = json.dumps({"type": "say", "ciphertext": "AAAA"}).encode()
        for event in (("to server", hello, 1), ("to server", say, 1), ("to server", say, 2)):
            source.listeners[0](SimpleNamespace(direction=event[0], line=event[1], connection=event[2]))
        wire.sender_filter.value = "alice"
        assert len(wire.log_rows()) == 2 and all("-> [general] alice" in row for row in wire.log_rows())
    finally:
        wire.close()


def test_wire_view_on_a_relay_sees_everyone(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    server = start_server("classic")
    relay = Relay(server.address).start()
    try:
        wire = WireView(relay)
        alice, bob = chat(relay.address, "alice", mode="classic"), chat(relay.address, "bob", mode="classic")
        alice.say("through the relay")
        wait_for_row(bob, "alice: through the relay")
        wait_for_row(wire, "<- [general] alice")
        wire.sender_filter.value = "alice"
        rows = wire.log_rows()
        assert any('-> [general] alice {"type": "say"' in row for row in rows)
        assert all("] alice " in row for row in rows)
        wire.close()
    finally:
        relay.stop()


# --- many messages, and closing ---


def test_a_burst_of_1000_arrives_in_order_and_renders_bounded(
    start_server: StartServer, chat: Callable[..., ChatWidget]
) -> None:
    server = start_server("classic", limits=Limits(burst_lines=2000))  # the default allows bursts of 500
    alice, bob = chat(server, "alice"), chat(server, "bob")
    for number in range(1000):
        alice.client.send(f"burst {number:04d}")

    def all_arrived() -> bool:
        return sum(entry.kind == "message" for entry in bob.entries()) == 1000

    wait_until(all_arrived, "1000 messages in bob's buffer", 90)
    texts = [entry.text for entry in bob.entries() if entry.kind == "message"]
    assert texts == [f"burst {number:04d}" for number in range(1000)]
    bob.flush()
    rows = bob.log_rows()
    hidden = int(rows[0].split()[1])  # "... N earlier messages hidden"
    assert 450 < len(rows) - 1 <= 500 and hidden + len(rows) - 1 == len(bob.entries())  # ten pages of 50 rows
    shown = [int(row.split("burst ")[1][:4]) for row in rows if "burst " in row]
    assert shown == list(range(shown[0], 1000))
    assert bob.log_html().count("chatkit-row") == len(rows) - 1


def test_the_flusher_renders_without_being_asked(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    server = start_server("sealed")
    alice, bob = chat(server, "alice"), chat(server, "bob")
    alice.say("no flush needed")
    wait_until(lambda: any("no flush needed" in row for row in bob.log_rows()), "the flusher to render")
    assert "no flush needed" in bob.log_html()


def test_the_flusher_renders_at_most_ten_times_a_second() -> None:
    renders: list[float] = []
    flusher = Flusher(lambda: renders.append(time.monotonic()), "test", seconds=0.1)
    try:
        started = time.monotonic()
        for _ in range(1000):
            flusher.poke()
        wait_until(lambda: bool(renders), "a first render")
        time.sleep(0.3)
        flusher.poke()
        wait_until(lambda: len(renders) >= 2, "a render after the last poke")
        elapsed = time.monotonic() - started
    finally:
        flusher.close()
    assert len(renders) <= 2 + elapsed / 0.1  # a thousand pokes, a handful of renders
    assert all(later - earlier >= 0.09 for earlier, later in zip(renders, renders[1:], strict=False))
    assert not flusher.alive


def chatkit_threads(before: set[int]) -> list[str]:
    """Name the chatkit threads started since `before` that are still alive."""
    return [t.name for t in threading.enumerate() if t.ident not in before and t.name.startswith("chatkit-")]


def test_closing_widgets_leaves_no_threads(start_server: StartServer) -> None:
    before = {t.ident for t in threading.enumerate() if t.ident is not None}
    server = start_server("sealed")
    people = [ChatWidget(server, name, PASSWORD, iterations=FAST_ITERATIONS) for name in ("alice", "bob")]
    panel, wire = ServerPanel(server, every=0.05), WireView(people[0].client)
    people[0].say("bye")
    wait_for_row(people[1], "bye")
    close_all()
    close_all()  # twice is harmless
    server.stop()
    wait_until(lambda: not chatkit_threads(before), "chatkit threads to end", 10)
    for view in (panel, wire, *people):
        assert view.comm is None and all(child.comm is None for child in view.children)  # their parts closed too


# --- small helpers ---


def test_byte_diff_marks_changed_bytes() -> None:
    before = bytes(range(20))
    after = bytes([0, 1, 2, 0xFF, *range(4, 17), 0xEE, 18, 19, 20])
    diff = ByteDiff(before, after, names=("original", "tampered"))
    try:
        assert diff.changed == [3, 17, 20]
        assert diff.value.count("chatkit-changed") == 6  # each changed position, in both rows
        text = diff._repr_mimebundle_()["text/plain"]
        assert "original    0: 00 01 02 03" in text and "tampered   16: 10 ee 12 13 14" in text
        assert "^^" in text and ".." in text
    finally:
        diff.close()


def test_side_by_side_and_text_fallback(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    server = start_server("sealed")
    people = [chat(server, name) for name in ("alice", "bob", "carol")]
    people[0].say("hi all")
    for person in people:
        wait_for_row(person, "alice: hi all")
    row = show_side_by_side(*people)
    try:
        assert isinstance(row, SideBySide) and row.layout.flex_flow == "row wrap"
        bundle = row._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle
        for name in ("alice", "bob", "carol"):
            assert f"{name} in general (sealed)" in bundle["text/plain"]
        assert "alice: hi all" in people[2]._repr_mimebundle_()["text/plain"]
    finally:
        row.close()


def test_widgets_keep_the_layer_rules() -> None:
    tool = REPO.parent / "shared" / "tools" / "check-layers"
    if not tool.exists():
        pytest.skip("the check-layers tool is not beside this repository")
    result = subprocess.run([sys.executable, str(tool)], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_messages_from_client_events_are_chat_messages(
    start_server: StartServer, chat: Callable[..., ChatWidget]
) -> None:
    server = start_server("sealed")
    alice = chat(server, "alice")
    alice.say("me")
    alice.client.wait_for_message("me", own=True)
    entry = next(e for e in (wait_for_row(alice, "alice: me") and alice.entries()) if e.kind == "message")
    assert entry.sender == "alice" and entry.room == "general" and entry.own


def test_say_leaves_ipywidgets_own_send_alone(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    alice = chat(start_server("classic"), "alice")
    assert ChatWidget.send is ipywidgets.Widget.send  # the front-end's custom messages still go through it
    alice.say("said, not sent")
    alice.client.wait_for_message("said, not sent", own=True)


def test_the_widget_keeps_no_password(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    alice = chat(start_server("sealed"), "alice")
    kept = [name for name, value in vars(alice).items() if isinstance(value, str) and PASSWORD in value]
    assert not kept, f"the widget keeps the password in {kept}"


# --- the log keeps old rows' widgets; a lost connection is retried ---


def test_new_rows_never_replace_the_widgets_of_old_ones() -> None:
    log = LogPages()
    try:
        rows = [Entry("notice", f"row {number}", 0.0) for number in range(620)]
        log.update(rows[:120], 120, "base64")
        first_page = log.pages[0].box.children
        log.update(rows[:130], 130, "base64")  # only the third page gains rows
        assert log.pages[0].box.children == first_page and len(log.pages[2].box.children) == 30
        texts = log.update(rows, 620, "base64")  # pages 10 to 12 reuse the slots of pages 0 to 2
        assert texts[0].endswith("150 earlier messages hidden") and texts[1].endswith("row 150")
        assert [page.number for page in log.pages] == [10, 11, 12, 3, 4, 5, 6, 7, 8, 9]
        assert [page.box.layout.order for page in log.pages[:3]] == ["10", "11", "12"]  # time order on screen
        assert "row 619" in log.html().split("row 150")[1]
    finally:
        log.close()


def test_a_lost_connection_is_retried_until_the_server_is_back(
    start_server: StartServer, chat: Callable[..., ChatWidget], tmp_path: Path
) -> None:
    server = start_server("sealed")
    alice, bob = chat(server, "alice"), chat(server, "bob")
    clients = (alice.client, bob.client)
    port, db = server.address[1], server.db_path
    server.stop()
    for person in (alice, bob):
        wait_for_row(person, "connection lost, reconnecting")
    # the same database: a server that came back without the rooms' parameters would be refused (room pins, S5)
    again = ChatServer("sealed", port=port, db=db)
    try:
        again.start()
        for person in (alice, bob):
            wait_for_row(person, "-- reconnected")
        alice.say("still here")
        wait_for_row(bob, "alice: still here")
        assert (alice.client, bob.client) == clients  # the same clients, connected again
        assert not any("identity key changed" in row for row in bob.log_rows())  # alice kept her key
    finally:
        for person in (alice, bob):
            person.close()
        again.stop()


def test_reconnecting_gives_up_after_a_few_tries(start_server: StartServer) -> None:
    server = start_server("sealed")
    alice = ChatWidget(server, "alice", PASSWORD, iterations=FAST_ITERATIONS)
    alice._reconnector._pauses = (0.05, 0.1)  # two quick tries instead of five slower ones
    try:
        server.stop()
        row = wait_for_row(alice, "could not reconnect")
        assert "!!" in row and "cannot connect" in row
        assert not alice._reconnector.trying
    finally:
        alice.close()


def test_closing_stops_reconnecting_and_its_thread(start_server: StartServer) -> None:
    before = {t.ident for t in threading.enumerate() if t.ident is not None}
    server = start_server("sealed")
    alice = ChatWidget(server, "alice", PASSWORD, iterations=FAST_ITERATIONS)
    server.stop()
    wait_for_row(alice, "connection lost, reconnecting")
    assert alice._reconnector.trying
    alice.close()
    assert not chatkit_threads(before)  # close() joined them all
    assert not alice._reconnector.start()  # a closed widget never tries again


def test_closing_a_widget_never_reconnects(start_server: StartServer, chat: Callable[..., ChatWidget]) -> None:
    alice = chat(start_server("sealed"), "alice")
    alice.client.close()  # what ChatClient.close_all() and fresh_start() do
    wait_for_row(alice, "-- disconnected")
    time.sleep(0.7)  # longer than the first pause before a try
    alice.flush()
    assert not alice._reconnector.trying and not any("reconnect" in row for row in alice.log_rows())


def test_wire_view_shows_what_a_password_guess_opens(start_server: StartServer) -> None:
    server = start_server("classic")
    with Relay(server.address) as relay:
        view = WireView(relay, unlock=classic_guess)
        try:
            alice = ChatClient(*relay.address, "alice", PASSWORD, mode="classic").connect()
            alice.send("meet at noon")
            alice.wait_for_message("meet at noon")
            view.try_password("wrong guess")
            assert any("does not open" in row for row in view.log_rows())
            assert not any("meet at noon" in row for row in view.log_rows())
            view.try_password(PASSWORD)
            assert any("opens to 'meet at noon'" in row for row in view.log_rows())
            assert any("opens to 'alice'" in row for row in view.log_rows())  # the greeting's proof, too
            alice.close()
        finally:
            view.close()


def test_the_wire_view_shows_control_characters_escaped_in_its_plain_text() -> None:
    source = SimpleNamespace(listeners=[])
    wire = WireView(source)
    try:
        forged = b'{"type": "notice", "text": "hi"}\x1b[2J\r[general] alice: send money\n'
        source.listeners[0](SimpleNamespace(direction="to client", line=forged, connection=1))
        wire._render()
        shown = wire.log_rows()[-1]
        assert "\x1b" not in shown and "\r" not in shown and "\\x1b" in shown
    finally:
        wire.close()


def test_a_widget_can_go_on_into_a_squatted_room_when_asked(
    chat: Callable[..., ChatWidget], start_server: StartServer
) -> None:
    server = start_server("sealed")
    chat(server, "mallory", password="not the passphrase")  # creates general first, with a check of her own
    refused, alice = chat(server, "bob"), chat(server, "alice", despite_check=True)
    assert "wrong password" in wait_for_row(refused, "wrong password")  # by default: refused, and said why
    assert "going on as you asked" in wait_for_row(alice, "going on as you asked")  # asked: in, and warned
    assert alice.client.connected and alice.client.room == "general"


def test_widgets_chat_over_tls_on_a_tls_stage() -> None:
    """A TLS stage's widgets pin its classroom CA: they chat, and the badge says the connection is TLS."""
    with Stage("sealed", tls=True, iterations=FAST_ITERATIONS) as stage:
        alice, bob = stage.widget("alice"), stage.widget("bob")
        wait_until(lambda: alice.client.connected and bob.client.connected, "both widgets connected over TLS")
        assert "over TLS" in alice.badge.value
        alice.say("the shipment is at dock 7")
        assert "the shipment is at dock 7" in wait_for_row(bob, "dock 7")
