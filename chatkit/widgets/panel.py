"""The server panel: what mode the server runs, who is connected where, and the last rows of its database.

    ServerPanel(server)        # refreshes itself every second; refresh() updates it at once

It reads only the server's public API (`roster()`, `recent(n)`), on one flusher thread.
"""

import threading
from collections.abc import Sequence
from typing import Protocol

import ipywidgets as w

from chatkit.server import ChatServer, RatchetRules
from chatkit.widgets import view
from chatkit.widgets.look import BORDER, MONO, badge_html, badge_text, escape, scrolling
from chatkit.widgets.throttle import Flusher, held

REFRESH_SECONDS = 1.0


class StoredRow(Protocol):
    """A row of the server's log, as `server.recent()` returns it."""

    @property
    def id(self) -> int: ...
    @property
    def room(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def sent_at(self) -> str: ...
    @property
    def payload(self) -> str: ...


class ServerPanel(view.TextFallback, w.VBox):  # type: ignore[misc]
    """What the server knows: its roster, and its stored rows exactly as stored (plaintext in classic mode)."""

    def __init__(self, server: ChatServer, rows: int = 10, every: float = REFRESH_SECONDS) -> None:
        super().__init__(layout=w.Layout(border=BORDER, padding="6px"))
        self.add_class("chatkit-server-panel")
        self.server, self.rows = server, rows
        self._lock = threading.Lock()  # guards _lines, written by the flusher and read by any thread
        self._lines: list[str] = []
        self.badge = w.HTML(f"<b>server</b> {badge_html(server.mode)}")
        self.roster_view = w.HTML()
        self.rows_view = w.HTML()
        self.refresh_button = w.Button(description="refresh", layout=w.Layout(width="80px"))
        self.refresh_button.on_click(lambda _: self.refresh())
        self.children = (self.badge, self.roster_view, self.rows_view, self.refresh_button)
        self._flusher = Flusher(self._render, "server-panel", every=every)
        view.register(self)
        self.refresh()

    def refresh(self) -> None:
        """Read the server now and update the panel."""
        self._flusher.flush()

    def _read(self) -> tuple[dict[str, list[str]], Sequence[StoredRow], str]:
        """Ask the server for its roster and last rows; say so if it cannot answer."""
        if not self.server.is_running:
            return {}, [], "the server is not running"
        try:
            return self.server.roster(), self.server.recent(self.rows), ""
        except RuntimeError as error:  # stopped while we asked: the log is closed
            return {}, [], f"the server is not running ({error})"

    def _render(self) -> None:
        """Render roster and rows, sending only what changed."""
        roster, stored, trouble = self._read()
        lines = [f"server: {badge_text(self.server.mode)}", *roster_lines(roster), *head_lines(self.server)]
        lines += [trouble] if trouble else [f"last {len(stored)} stored rows:", *map(row_line, stored)]
        roster_html = roster_table(roster) + "".join(f"<br>{escape(line)}" for line in head_lines(self.server))
        rows_html = f"<i>{escape(trouble)}</i>" if trouble else rows_table(stored)
        with self._lock:
            self._lines = lines
        with held(self.roster_view, self.rows_view):
            if self.roster_view.value != roster_html:
                self.roster_view.value = roster_html
            if self.rows_view.value != rows_html:
                self.rows_view.value = rows_html

    def text(self) -> str:
        """Return the panel as plain text."""
        with self._lock:
            return "\n".join(self._lines)

    def close(self) -> None:
        """Stop refreshing and close the panel (the server keeps running). Safe to call twice."""
        view.close_parts(self)
        super().close()


def roster_lines(roster: dict[str, list[str]]) -> list[str]:
    """Say who is in each room, one line a room."""
    if not roster:
        return ["nobody is connected"]
    return [f"{room}: {', '.join(names)}" for room, names in sorted(roster.items())]


def head_lines(server: ChatServer) -> list[str]:
    """Ratchet mode: the head of each room's group, all the server knows of it (an epoch and a hash, no key)."""
    if not isinstance(server.rules, RatchetRules):
        return []
    heads = server.rules.heads()
    return [f"group of {room}: epoch {head.epoch}, state {head.hash[:12]}" for room, head in sorted(heads.items())]


def row_line(row: StoredRow) -> str:
    """Render one stored row as plain text."""
    return f"#{row.id} {row.sent_at} [{row.room}] {row.sender}: {row.payload}"


def roster_table(roster: dict[str, list[str]]) -> str:
    """Render the roster as HTML."""
    if not roster:
        return "<b>connected</b>: nobody"
    items = "".join(
        f"<li><b>{escape(room)}</b>: {escape(', '.join(names))}</li>" for room, names in sorted(roster.items())
    )
    return f"<b>connected</b><ul class='chatkit-roster' style='margin:2px 0'>{items}</ul>"


def rows_table(stored: Sequence[StoredRow]) -> str:
    """Render stored rows as an HTML table: the payload exactly as the database holds it."""
    head = "<tr><th>id</th><th>time</th><th>room</th><th>sender</th><th>payload as stored</th></tr>"
    body = "".join(
        f"<tr class='chatkit-stored'><td>{row.id}</td><td>{escape(str(row.sent_at))}</td><td>{escape(row.room)}</td>"
        f"<td>{escape(row.sender)}</td><td style='{MONO}'>{escape(str(row.payload))}</td></tr>"
        for row in stored
    )
    table = f"<table cellpadding='3' style='border-collapse:collapse;font-size:12px'>{head}{body}</table>"
    return f"<b>the server's database</b> (last {len(stored)} rows){scrolling(table, '260px')}"
