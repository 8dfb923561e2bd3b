"""A chat widget per person: name, mode, room, the log with each message's ciphertext, and an input line.

    alice = ChatWidget(server, "alice", "correct horse")    # connects at once; errors show as red rows
    alice.send("hello")                                     # or type in the box and press Enter
    show_side_by_side(alice, bob, carol)                    # a whole chat room in one notebook

The input sends when ipywidgets reports its value: on Enter, and also when the box loses focus with text in it
(ipywidgets 8 reports both the same way; it is how its maintainers recommend reading a line of input).

The widget owns a ChatClient. The client's receiver thread only appends rows to a buffer; one flusher thread
renders them (see throttle.py). Nothing here touches a socket or a key: attributes down, events up.
"""

import threading
from typing import Any

import ipywidgets as w

from chatkit.client import ChatClient, ChatError, ChatMessage, Event
from chatkit.server import ChatServer
from chatkit.widgets import view
from chatkit.widgets.chat_rows import Entry, entry_for, problem, render_log, title_html
from chatkit.widgets.look import badge_html
from chatkit.widgets.throttle import Flusher, RowBuffer, held

SHOWN_ROWS = 500  # rows rendered; older ones stay in the buffer but are not re-sent to the browser
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
    ) -> None:
        super().__init__(layout=w.Layout(border="1px solid #ccc", padding="6px", min_width="300px"))
        self.add_class("chatkit-chat")
        self._lock = threading.Lock()  # guards _unread and _shown (callbacks may run on a kernel subshell thread)
        self._unread, self._shown = 0, [""]
        self._buffer: RowBuffer[Entry] = RowBuffer()
        self.client = make_client(server_or_address, name, password, room, mode, iterations)
        self._build(name, room)
        self._flusher = Flusher(self._render, f"chat-{name}")
        self.client.listeners.append(self._on_event)
        view.register(self)
        self._connect()

    # --- building the view ---

    def _build(self, name: str, room: str) -> None:
        """Create the child widgets and wire their callbacks."""
        self.title = w.HTML()
        self.badge = w.HTML(badge_html(self.client.mode))
        self.room = w.Text(value=room, description="room", layout=w.Layout(width="180px"))
        self.join_button = w.Button(description="join", layout=w.Layout(width="60px"))
        self.encoding = w.ToggleButtons(options=["base64", "hex"], description="ciphertext")
        self.encoding.style.button_width = "72px"
        self.encoding.style.description_width = "initial"
        self.log_view = w.HTML(layout=w.Layout(width="100%"))
        self.input = w.Text(placeholder="type a message, press Enter", layout=w.Layout(flex="1"))
        self.input.continuous_update = False  # the value arrives on Enter, not on every key
        self.send_button = w.Button(description="send", button_style="primary", layout=w.Layout(width="60px"))
        for widget, css in (
            (self.input, "chatkit-input"),
            (self.log_view, "chatkit-log"),
            (self.room, "chatkit-room"),
            (self.join_button, "chatkit-join"),
            (self.send_button, "chatkit-send"),
            (self.title, "chatkit-title"),
            (self.encoding, "chatkit-encoding"),
        ):
            widget.add_class(css)  # stable names for the browser tests and for anyone styling the kit
        self.join_button.on_click(lambda _: self.join(self.room.value))
        self.send_button.on_click(lambda _: self._send_input())
        self.input.observe(lambda _: self._send_input(), names="value")
        self.encoding.observe(lambda _: self.flush(), names="value")
        top, bottom = w.HBox([self.room, self.join_button]), w.HBox([self.input, self.send_button])
        self.children = (self.title, self.badge, top, self.encoding, self.log_view, bottom)

    def _connect(self) -> None:
        """Connect the client; a refusal becomes a red row instead of an exception."""
        try:
            self.client.connect()
        except (ChatError, OSError) as error:
            if not any(entry.kind == "problem" for entry in self._buffer.snapshot()):
                self._buffer.append(problem(f"could not connect: {error}"))
        self.flush()

    # --- what a person does ---

    def send(self, text: str | dict[str, Any], buffers: Any = None) -> None:
        """Send a message to the current room; a failure becomes a red row."""
        if not isinstance(text, str):  # ipywidgets uses this name for its own messages (focus, blur): pass them on
            super().send(text, buffers)
            return
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
            self.room.value = self.client.room
        except (ChatError, OSError, ValueError) as error:
            self._buffer.append(problem(f"could not join {room!r}: {error}"))
        self._flusher.poke()

    def _send_input(self) -> None:
        """Send what is in the input box, then empty it (emptying it calls us again, with nothing to send)."""
        text = self.input.value
        if text:
            self.input.value = ""
            self.send(text)

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
        self._buffer.append(entry)
        self._flusher.poke()

    # --- rendering, by the flusher (or flush() in tests) ---

    def _render(self) -> None:
        """Render the newest rows and the title, as one batch."""
        texts, rows = render_log(self._buffer.snapshot(), self._buffer.total, self.encoding.value, SHOWN_ROWS)
        with self._lock:
            self._shown, unread = texts, self._unread
        with held(self.title, self.log_view):
            self.title.value = title_html(self.client.name, self.client.room, unread)
            self.log_view.value = rows

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
        return "\n".join([title, *self.log_rows()[-20:]])

    def close(self) -> None:
        """Close the client and the flusher, then the widget itself. Safe to call twice."""
        client = getattr(self, "client", None)
        view.close_parts(self, client, self._on_event)
        if client is not None:
            client.close()
        super().close()


def make_client(
    server_or_address: ChatServer | Address,
    name: str,
    password: str,
    room: str,
    mode: str | None,
    iterations: int | None,
) -> ChatClient:
    """Build (not connect) the client: the mode defaults to the server's, or sealed for a bare address."""
    if isinstance(server_or_address, ChatServer):
        host, port = server_or_address.address
        mode = mode or server_or_address.mode.name
    else:
        host, port = server_or_address
    options: dict[str, Any] = {} if iterations is None else {"iterations": iterations}
    return ChatClient(host, port, name, password, room, mode or "sealed", **options)
