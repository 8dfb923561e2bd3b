"""What a chat widget's log holds: one Entry per message, problem or notice, as plain text and as HTML."""

import time
from dataclasses import dataclass

from chatkit.client import ChatMessage, Closed, Event, GroupChanged, Joined, Members, Notice, Problem, RoomList
from chatkit.client.visible import visible
from chatkit.widgets.look import (
    ERROR,
    ERROR_TEXT,
    MONO,
    MUTED,
    OTHER_BUBBLE,
    OWN_BUBBLE,
    PROBLEM_BUBBLE,
    TEXT,
    clock,
    colour_of,
    escape,
    in_encoding,
)

MESSAGE, PROBLEM, NOTICE = "message", "problem", "notice"


@dataclass(frozen=True)
class Entry:
    """One row of the log: a decrypted message (with its ciphertext), a problem or a notice."""

    kind: str
    text: str
    time: float
    sender: str = ""
    room: str = ""
    ciphertext: str = ""  # base64, exactly as it crossed the wire
    own: bool = False


def problem(text: str) -> Entry:
    """Make a red row."""
    return Entry(PROBLEM, text, time.time())


def entry_for(event: Event) -> Entry | None:
    """Turn a client event into a log row, or None for events the log does not show (wire lines).

    Every text from the network is made visible here (control characters as escapes), once for every rendering:
    plain text, HTML and what a screen reader is told.
    """
    if isinstance(event, ChatMessage):
        sender, room = visible(event.sender), visible(event.room)
        text, ciphertext = visible(event.text), visible(event.ciphertext)  # a tampered ciphertext is any text
        return Entry(MESSAGE, text, event.time, sender, room, ciphertext, event.own)
    if isinstance(event, Problem):
        return problem(visible(event.text))
    if isinstance(event, Closed):
        if event.reason == "closed by you":
            return Entry(NOTICE, "disconnected", time.time())
        return Entry(PROBLEM, visible(f"disconnected: {event.reason}"), time.time())
    return Entry(NOTICE, visible(notice_text(event)), time.time()) if notice_text(event) else None


def notice_text(event: Event) -> str:
    """Say in words what a notice-like event reports."""
    if isinstance(event, Notice):
        return event.text
    if isinstance(event, Joined):
        return f"you are in room {event.room}"
    if isinstance(event, Members):
        return f"in {event.room}: {', '.join(event.names)}"
    if isinstance(event, GroupChanged):
        return f"group of {event.room}, epoch {event.epoch} (signed by its members): {', '.join(event.members)}"
    if isinstance(event, RoomList):
        return "rooms: " + ", ".join(f"{room} ({people})" for room, people in event.rooms.items())
    return ""


def row_text(entry: Entry, encoding: str) -> str:
    """Render a row as one line of plain text."""
    if entry.kind == MESSAGE:
        ciphertext = in_encoding(entry.ciphertext, encoding)
        return f"{clock(entry.time)} {entry.sender}: {entry.text}    [{encoding}] {ciphertext}"
    mark = "!!" if entry.kind == PROBLEM else "--"
    return f"{clock(entry.time)} {mark} {entry.text}"


def row_html(entry: Entry, encoding: str) -> str:
    """Render a row as HTML: own messages set apart, a colour per sender, the ciphertext under the text."""
    when = f'<span class="chatkit-time" style="color:{MUTED};font-size:11px">{clock(entry.time)}</span>'
    if entry.kind == PROBLEM:
        style = f"color:{TEXT};background:{PROBLEM_BUBBLE};border-left:3px solid {ERROR};padding:2px 6px;margin:2px 0"
        return (
            f'<div class="chatkit-row chatkit-problem" role="alert" style="{style}">{when} {escape(entry.text)}</div>'
        )
    if entry.kind == NOTICE:
        style = f"color:{MUTED};font-style:italic"
        return f'<div class="chatkit-row chatkit-notice" style="{style}">{when} {escape(entry.text)}</div>'
    side = f"margin-left:15%;background:{OWN_BUBBLE}" if entry.own else f"margin-right:15%;background:{OTHER_BUBBLE}"
    who = f'<b style="color:{colour_of(entry.sender)}">{escape(entry.sender)}</b>'
    ciphertext = escape(in_encoding(entry.ciphertext, encoding))
    return (
        f'<div class="chatkit-row chatkit-message{" chatkit-own" if entry.own else ""}" '
        f'style="{side};color:{TEXT};padding:3px 6px;margin:3px 0;border-radius:6px">'
        f'{when} {who}: <span class="chatkit-text">{escape(entry.text)}</span>'
        f'<div class="chatkit-ciphertext" title="{encoding}" style="{MONO};color:{MUTED}">{ciphertext}</div></div>'
    )


def spoken(entry: Entry) -> str:
    """Say a row the way a screen reader should announce it; '' for rows it need not (own messages, problems).

    Problems are not repeated here: their rows are role="alert", which screen readers read out when they appear.
    """
    if entry.kind == MESSAGE:
        return "" if entry.own else f"{entry.sender} says: {entry.text}"
    return entry.text if entry.kind == NOTICE else ""


def hidden_text(hidden: int) -> str:
    """Say how many older rows are not rendered."""
    return f"... {hidden} earlier messages hidden" if hidden else ""


def title_html(name: str, room: str, unread: int) -> str:
    """Render the title: who, where, and how many messages arrived since they last sent one."""
    new = f' <span class="chatkit-unread" style="color:{ERROR_TEXT}">({unread} new)</span>' if unread else ""
    return f"<b>{escape(name)}</b> in {escape(room)}{new}"
