"""The eavesdropper's view: every line that crosses the network, as anyone on it could capture it.

    WireView(client)     # what one client sends and receives
    WireView(relay)      # everything through a relay (chatkit.lab): every client, both directions
    WireView(relay, unlock=classic_guess)   # and a box to type a password guess: what would it open?

`unlock` turns a guess into an opener (ciphertext -> plaintext, or None if it does not open); the widget holds no
crypto of its own, so the notebook passes one in (chatkit.lab.eavesdrop.classic_guess for the classic mode).

A source is anything with a `listeners` list that calls `f(event)` with `event.direction` and `event.line` (bytes).
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import ipywidgets as w

from chatkit.client.visible import visible
from chatkit.widgets import view
from chatkit.widgets.look import BORDER, ERROR_TEXT, MONO, clock, colour_of, escape, scrolling
from chatkit.widgets.throttle import Flusher, RowBuffer, held
from chatkit.widgets.wire_labels import OUTGOING, Labeller, parse

SHOWN_LINES = 500
Opener = Callable[[str], str | None]  # base64 ciphertext -> plaintext, or None if the guess does not open it


class Source(Protocol):
    listeners: list[Callable[[Any], None]]


@dataclass(frozen=True)
class ShownLine:
    """One captured line as the view shows it, with the room and sender it seems to belong to (empty if unknown)."""

    direction: str
    text: str
    room: str
    sender: str
    time: float


class WireView(view.TextFallback, w.VBox):  # type: ignore[misc]
    """Every line on the wire, newest at the bottom, filtered by room and sender."""

    def __init__(
        self, source: Source, title: str = "what the network sees", unlock: Callable[[str], Opener] | None = None
    ) -> None:
        super().__init__(layout=w.Layout(border=BORDER, padding="6px"))
        self.add_class("chatkit-wire")
        self.source = source
        self._lock = threading.Lock()  # guards _labeller and _shown: events arrive on many threads
        self._labeller, self._shown = Labeller(source), [""]
        self._buffer: RowBuffer[ShownLine] = RowBuffer()
        self.room_filter = w.Combobox(description="room", placeholder="any room", ensure_option=False)
        self.sender_filter = w.Combobox(description="sender", placeholder="anyone", ensure_option=False)
        self.lines_view = w.HTML()
        for box in (self.room_filter, self.sender_filter):
            box.observe(lambda _: self.flush(), names="value")
        self._unlock = unlock
        self._opener: Opener | None = None  # what the current guess opens with (None: no guess yet)
        self.guess = w.Text(description="password", placeholder="type a guess, press Enter", continuous_update=False)
        self.guess.observe(lambda change: self.try_password(change["new"]), names="value")
        filters = w.HBox([self.room_filter, self.sender_filter, *([self.guess] if unlock else [])])
        self.children = (w.HTML(f"<b>{escape(title)}</b>"), filters, self.lines_view)
        self._flusher = Flusher(self._render, "wire")
        source.listeners.append(self._on_event)
        view.register(self)
        self.flush()

    def _on_event(self, event: Any) -> None:
        """Keep a captured line (called on a receiver or relay thread)."""
        if not hasattr(event, "direction") or not hasattr(event, "line"):
            return  # a client reports other events too: only lines on the wire matter here
        with self._lock:
            room, sender = self._labeller.label(event)
        self._buffer.append(ShownLine(event.direction, shown_line(event.line), room, sender, time.time()))
        self._flusher.poke()

    def _render(self) -> None:
        """Render the newest lines that pass the filters, and offer the rooms and senders seen so far."""
        captured = self._buffer.snapshot()
        room, sender = self.room_filter.value.strip(), self.sender_filter.value.strip()
        chosen = [c for c in captured if (not room or c.room == room) and (not sender or c.sender == sender)]
        shown = chosen[-SHOWN_LINES:]
        hidden = f"... {len(chosen) - len(shown)} earlier lines hidden" if len(chosen) > len(shown) else ""
        opened = [opened_text(c, self._opener) for c in shown]
        texts = ([hidden] if hidden else []) + [line_text(c) + extra for c, extra in zip(shown, opened, strict=True)]
        body = (f"<div>{hidden}</div>" if hidden else "") + "".join(
            line_html(c, extra) for c, extra in zip(shown, opened, strict=True)
        )
        with self._lock:
            self._shown = texts
        with held(self.room_filter, self.sender_filter, self.lines_view):
            self.room_filter.options = sorted({c.room for c in captured if c.room})
            self.sender_filter.options = sorted({c.sender for c in captured if c.sender})
            self.lines_view.value = scrolling(body or "<i>nothing captured yet</i>")

    def try_password(self, guess: str) -> None:
        """Show what a password guess opens in every captured line (nothing, if the guess is wrong)."""
        if self._unlock is not None:
            self._opener = self._unlock(guess) if guess else None
            self.flush()

    def flush(self) -> None:
        """Render now instead of waiting for the flusher."""
        self._flusher.flush()

    def log_rows(self) -> list[str]:
        """Return the lines shown at the last render, as plain text."""
        with self._lock:
            return list(self._shown)

    def captured(self) -> list[ShownLine]:
        """Return every line in the buffer, filtered or not."""
        return self._buffer.snapshot()

    def text(self) -> str:
        """Return the last lines shown, as plain text."""
        return "\n".join(["what the network sees:", *self.log_rows()[-20:]])

    def close(self) -> None:
        """Stop listening and rendering. Safe to call twice."""
        view.close_parts(self, getattr(self, "source", None), self._on_event)
        super().close()


def arrow(direction: str) -> str:
    """Point the way a line travelled: towards the server or towards a client."""
    return "->" if direction in OUTGOING else "<-"


def shown_line(line: bytes) -> str:
    """Return a line's bytes as text to show: not UTF-8 shows as the replacement character, a control as an escape."""
    return visible(line.decode("utf-8", errors="replace").rstrip("\n"))


def line_text(shown: ShownLine) -> str:
    """Render a captured line as plain text."""
    where = visible(f"[{shown.room or '?'}] {shown.sender or '?'}")
    return f"{clock(shown.time)} {arrow(shown.direction)} {where} {shown.text}"


def line_html(shown: ShownLine, opened: str = "") -> str:
    """Render a captured line as HTML, with what a password guess opened in it, if anything."""
    who = f'<b style="color:{colour_of(shown.sender)}">{escape(shown.sender or "?")}</b>'
    head = f"{clock(shown.time)} {escape(arrow(shown.direction))} [{escape(shown.room or '?')}] {who}"
    extra = f' <b class="chatkit-unlocked" style="color:{ERROR_TEXT}">{escape(opened)}</b>' if opened else ""
    return f'<div class="chatkit-wire-line" style="{MONO}">{head} {escape(shown.text)}{extra}</div>'


def opened_text(shown: ShownLine, opener: Opener | None) -> str:
    """Say what a password guess opens in a shown line: the plaintext of its ciphertext, or that it stays shut."""
    if opener is None:
        return ""
    sealed = parse(shown.text).get("ciphertext") or parse(shown.text).get("proof")
    if not isinstance(sealed, str):
        return ""
    plaintext = opener(sealed)
    return f"  => opens to {plaintext!r}" if plaintext is not None else "  => does not open"
