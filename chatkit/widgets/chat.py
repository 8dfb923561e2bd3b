"""A chat widget per person: name, mode, room, the log with each message's ciphertext, and an input line.

    alice = ChatWidget(server, "alice", "correct horse")    # connects at once; errors show as red rows
    alice.say("hello")                                      # or type in the box and press Enter
    show_side_by_side(alice, bob, carol)                    # a whole chat room in one notebook

The input sends when ipywidgets reports its value: on Enter, and also when the box loses focus with text in it
(ipywidgets 8 reports both the same way; it is how its maintainers recommend reading a line of input).

The widget owns a ChatClient. The client's receiver thread only appends rows to a buffer; one flusher thread
renders them (see throttle.py) into a log that keeps the student's place when they scroll up (see log_pages.py).
When the connection drops without the person closing it, the widget says so and calls the same client's
connect() again, a few times (see reconnect.py). Nothing here touches a socket or a key: attributes down, events up.

The widget never stores the password: it hands it to its ChatClient once, and the client's codec keeps what key
derivation needs for as long as the client lives (classic: only the derived key; sealed: the passphrase, because
each room's key is derived from the salt the server sends when you join it, and the room keys derived so far).
Reconnecting reuses that client, its codec and its signing key, so nothing asks for the password a second time.
"""

import re
import ssl
import threading
import time
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import ipywidgets as w

from chatkit.client import ChatClient, ChatError, ChatMessage, Closed, Event, GroupChanged
from chatkit.client.keystore import KeyStore, KeyStoreError
from chatkit.server import ChatServer
from chatkit.widgets import view
from chatkit.widgets.chat_rows import NOTICE, PROBLEM, Entry, entry_for, problem, title_html
from chatkit.widgets.log_pages import LogPages
from chatkit.widgets.look import BORDER, badge_html
from chatkit.widgets.reconnect import Reconnector
from chatkit.widgets.throttle import Flusher, RowBuffer, held

LOST = "connection lost, reconnecting"
Address = tuple[str, int]


class ChatWidget(view.TextFallback, w.VBox):  # type: ignore[misc]
    """One person in the chat: a log of what arrived (plaintext and ciphertext) and a line to type in."""

    def __init__(
        self,
        server_or_address: ChatServer | Address,
        name: str,
        password: str,
        room: str = "general",
        mode: str | None = None,
        iterations: int | None = None,
        *,
        keys: KeyStore | str | Path | None = None,
        despite_check: bool = False,
        tls: ssl.SSLContext | str | Path | None = None,
    ) -> None:
        super().__init__(layout=w.Layout(border=BORDER, padding="6px", min_width="300px"))
        self.add_class("chatkit-chat")
        self._lock = threading.Lock()  # guards _unread and _shown (callbacks run on many threads)
        self._unread, self._shown = 0, [""]
        self._members_text = members_html(None)  # the ratchet mode's signed member list, as the flusher shows it
        self._buffer: RowBuffer[Entry] = RowBuffer()
        self._was_connected = False
        # despite_check=True: go on, warned, into a room whose check or key derivation is not what this passphrase
        # expects (an outsider may have created it first: docs/security.md, S11)
        # tls: as ChatClient's (a context from chatkit.client.tls.client_context, or the classroom CA's file)
        options = {"keys": keys, "despite_check": despite_check, "tls": tls}
        self.client = make_client(server_or_address, name, password, room, mode, iterations, **options)
        self._build(name, room)
        self._reconnector = Reconnector(self._reconnect_once, self._report, name)
        self._flusher = Flusher(self._render, f"chat-{name}")
        self.client.listeners.append(self._on_event)
        view.register(self)
        self._connect()

    # --- building the view ---

    def _build(self, name: str, room: str) -> None:
        """Create the child widgets and wire their callbacks."""
        self.title = w.HTML()
        self.badge = w.HTML(badge_html(self.client.mode, over_tls=self.client.tls is not None))
        self.room_box = w.Text(value=room, description="room", layout=w.Layout(width="180px"))
        self.join_button = w.Button(description="join", layout=w.Layout(width="60px"))
        self.encoding = w.ToggleButtons(options=["base64", "hex"], description="ciphertext")
        self.encoding.style.button_width = "72px"
        self.encoding.style.description_width = "initial"
        self.log_pages = LogPages()
        self.log_view = self.log_pages.view
        self.input = w.Text(
            description="message", placeholder="type a message, press Enter", layout=w.Layout(flex="1")
        )  # a real label, not only a placeholder: screen readers announce it
        self.input.continuous_update = False  # the value arrives on Enter, not on every key
        self.send_button = w.Button(description="send", button_style="primary", layout=w.Layout(width="60px"))
        for widget, css in (
            (self.input, "chatkit-input"),
            (self.log_view, "chatkit-log"),
            (self.room_box, "chatkit-room"),
            (self.join_button, "chatkit-join"),
            (self.send_button, "chatkit-send"),
            (self.title, "chatkit-title"),
            (self.encoding, "chatkit-encoding"),
        ):
            widget.add_class(css)  # stable names for the browser tests and for anyone styling the kit
        self.join_button.on_click(lambda _: self.join(self.room_box.value))
        self.send_button.on_click(lambda _: self._send_input())
        self.input.observe(lambda _: self._send_input(), names="value")
        self.encoding.observe(lambda _: self.flush(), names="value")
        top, bottom = w.HBox([self.room_box, self.join_button]), w.HBox([self.input, self.send_button])
        # the ratchet mode's member list: the signed group state's, never the server's notices
        self.members_line = w.HTML(members_html(None) if self.client.mode == "ratchet" else "")
        self.members_line.add_class("chatkit-members")
        self.children = (self.title, self.badge, self.members_line, top, self.encoding, self.log_view, bottom)

    def _connect(self) -> None:
        """Connect the client; a refusal becomes a red row instead of an exception."""
        try:
            self.client.connect()
            self._was_connected = True
        except (ChatError, OSError) as error:
            if not any(entry.kind == "problem" for entry in self._buffer.snapshot()):
                self._buffer.append(problem(f"could not connect: {error}"))
        self.flush()

    # --- what a person does ---

    def say(self, text: str) -> None:
        """Send a message to the current room; a failure becomes a red row."""
        if not text.strip():
            return
        with self._lock:
            self._unread = 0
        try:
            self._require_connection()
            self.client.send(text)
        except (ChatError, OSError) as error:
            self._buffer.append(problem(f"not sent: {error}"))
        self._flusher.poke()

    def join(self, room: str) -> None:
        """Move to another room (waits for the server); a failure becomes a red row."""
        try:
            self._require_connection()
            self.client.join(room.strip())
            self.room_box.value = self.client.room
        except (ChatError, OSError, ValueError) as error:
            self._buffer.append(problem(f"could not join {room!r}: {error}"))
        self._flusher.poke()

    def verify(self, name: str) -> None:
        """Show the safety number with `name`, to compare with theirs (by voice or in person), as a row."""
        try:
            verified = " (verified)" if self.client.is_verified(name) else ""
            number = self.client.safety_number(name)
            self._buffer.append(Entry(NOTICE, f"safety number with {name}{verified}: {number}", time.time()))
        except ChatError as error:
            self._buffer.append(problem(str(error)))
        self._flusher.poke()

    def mark_verified(self, name: str) -> None:
        """Record that the safety numbers with `name` matched."""
        try:
            self.client.mark_verified(name)
            self._buffer.append(Entry(NOTICE, f"{name} is verified: the safety numbers matched", time.time()))
        except (ChatError, KeyStoreError) as error:
            self._buffer.append(problem(str(error)))
        self._flusher.poke()

    def accept_key(self, name: str) -> None:
        """Accept the new identity key `name` came with, and show the messages held back until now."""
        try:
            self.client.accept_key(name)
        except ChatError as error:
            self._buffer.append(problem(str(error)))
        self._flusher.poke()

    def remove(self, name: str) -> None:
        """Ratchet mode: remove a member from the group (a signed change); a failure becomes a red row."""
        self._act(lambda: self.client.remove(name))

    def update(self) -> None:
        """Ratchet mode: update our keys (healing); a failure becomes a red row."""
        self._act(self.client.update)

    def _act(self, act: Callable[[], None]) -> None:
        try:
            self._require_connection()
            act()
        except ChatError as error:
            self._buffer.append(problem(str(error)))
        self._flusher.poke()

    def _send_input(self) -> None:
        """Send what is in the input box, then empty it (emptying it calls us again, with nothing to send)."""
        text = self.input.value
        if text:
            self.input.value = ""
            command, _, name = text.partition(" ")
            act = {
                "/verify": self.verify,
                "/verified": self.mark_verified,
                "/accept": self.accept_key,
                "/remove": self.remove,
            }.get(command)
            if act is not None and name.strip():  # /verify NAME, /verified NAME, /accept NAME, /remove NAME
                act(name.strip())
            elif text.strip() == "/update":
                self.update()
            else:
                self.say(text)

    def _require_connection(self) -> None:
        if not self.client.connected:
            raise ChatError(f"{self.client.name} is not connected")

    # --- events up: from the client's receiver thread ---

    def _on_event(self, event: Event) -> None:
        """Buffer the row an event makes and ask the flusher for a render (never touch widgets here)."""
        entry = entry_for(event)
        if entry is None:
            return
        if isinstance(event, ChatMessage) and not event.own:
            with self._lock:
                self._unread += 1
        if isinstance(event, GroupChanged):
            self._members_text = members_html(event)
        self._buffer.append(entry)
        if isinstance(event, Closed) and self._lost(event) and self._reconnector.start():
            self._buffer.append(Entry(PROBLEM, LOST, entry.time))
        self._flusher.poke()

    # --- a connection lost: connect the same client again ---

    def _lost(self, event: Closed) -> bool:
        """Tell whether a Closed means the connection dropped (not closed by the person, nor a refused first try)."""
        return event.reason != "closed by you" and self._was_connected and not self._reconnector.closed

    def _reconnect_once(self) -> None:
        """Connect the same client again: its codec keeps the room keys and the signing key the others trust."""
        if self._reconnector.closed:
            raise ChatError("the widget was closed")
        self.client.close()  # let go of the dead socket, so that connect() opens a new one
        self.client.connect()

    def _report(self, text: str, ok: bool) -> None:
        """Show how reconnecting ended, as a row."""
        self._buffer.append(Entry(NOTICE if ok else PROBLEM, text, time.time()))
        self._flusher.poke()

    # --- rendering, by the flusher (or flush() in tests) ---

    def _render(self) -> None:
        """Render the rows that arrived since the last render, and the title."""
        entries, total = self._buffer.numbered()
        texts = self.log_pages.update(entries, total, self.encoding.value)
        with self._lock:
            self._shown, unread = texts, self._unread
        with held(self.title):
            self.title.value = title_html(self.client.name, self.client.room, unread)
        if self.client.mode == "ratchet" and self.members_line.value != self._members_text:
            with held(self.members_line):
                self.members_line.value = self._members_text

    def flush(self) -> None:
        """Render now instead of waiting for the flusher (tests, and a toggle the student just clicked)."""
        self._flusher.flush()

    # --- what tests and notebooks read ---

    def log_rows(self) -> list[str]:
        """Return the rows shown at the last render, as plain text."""
        with self._lock:
            return list(self._shown)

    def entries(self) -> list[Entry]:
        """Return every row in the buffer (rendered or hidden), oldest first."""
        return self._buffer.snapshot()

    @property
    def unread(self) -> int:
        with self._lock:
            return self._unread

    def text(self) -> str:
        """Return the title and the last rows as plain text (what shows where widgets cannot render)."""
        title = f"{self.client.name} in {self.client.room} ({self.client.mode})"
        group = [] if self.client.mode != "ratchet" else [re.sub("<[^>]+>", "", self.members_line.value)]
        return "\n".join([title, *group, *self.log_rows()[-20:]])

    def log_html(self) -> str:
        """Return the HTML of the rows shown at the last render, oldest first."""
        return self.log_pages.html()

    def close(self) -> None:
        """Stop reconnecting, close the client and the flusher, then the widget itself. Safe to call twice."""
        reconnector = getattr(self, "_reconnector", None)
        if reconnector is not None:
            reconnector.stop()  # first, so no new try begins while we close
            self.client.close()  # wakes a try that waits in connect()
            reconnector.close()
        client: ChatClient | None = getattr(self, "client", None)  # None if __init__ failed before making it
        view.close_parts(self, client, self._on_event)
        if client is not None:
            client.close()  # again: a try may have connected it after stop()
        if hasattr(self, "log_pages"):
            self.log_pages.close()
        super().close()


def members_html(group: GroupChanged | None) -> str:
    """Render the ratchet mode's member list: who the signed group state says is in, at which epoch."""
    if group is None:
        return '<span style="font-size:12px">group: not in one yet</span>'
    names = ", ".join(escape(name) for name in group.members)
    return f'<span style="font-size:12px">group, epoch {group.epoch} (signed): {names}</span>'


def make_client(
    server_or_address: ChatServer | Address,
    name: str,
    password: str,
    room: str,
    mode: str | None,
    iterations: int | None,
    **options: Any,
) -> ChatClient:
    """Build (not connect) the client; the mode defaults to the server's (sealed for a bare address).

    `options` go to ChatClient as they are (keys, despite_check, tls).
    """
    if isinstance(server_or_address, ChatServer):
        host, port = server_or_address.address
        mode = mode or server_or_address.mode
    else:
        host, port = server_or_address
    if iterations is not None:
        options["iterations"] = iterations
    return ChatClient(host, port, name, password, room, mode or "sealed", **options)
