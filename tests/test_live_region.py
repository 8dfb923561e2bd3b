"""The live region: what screen readers are sent as rows arrive (the browser test checks it reaches the page)."""

import time
from typing import Any

import pytest

from chatkit.widgets.chat_rows import MESSAGE, NOTICE, PROBLEM, Entry
from chatkit.widgets.live_region import MOST_AT_ONCE
from chatkit.widgets.log_pages import LogPages


@pytest.fixture
def log() -> Any:
    """A log whose live region records what it would send to the page."""
    pages = LogPages()
    sent: list[list[str]] = []
    pages.live.send = lambda content, buffers=None: sent.append(content["lines"])
    pages.sent = sent  # type: ignore[attr-defined]
    yield pages
    pages.close()


def message(text: str, sender: str = "bob", own: bool = False) -> Entry:
    return Entry(MESSAGE, text, time.time(), sender, "general", "Y2lwaGVy", own)


def test_others_messages_and_notices_are_announced_once(log: Any) -> None:
    """Someone else's message and a notice are read out; your own message and a problem (role=alert) are not."""
    entries = [message("hi"), Entry(NOTICE, "carol joined general", time.time()), message("mine", "alice", own=True)]
    log.update(entries, len(entries), "base64")
    entries.append(Entry(PROBLEM, "not sent: gone", time.time()))
    log.update(entries, len(entries), "base64")
    log.update(entries, len(entries), "base64")  # nothing new: nothing said
    assert log.sent == [["bob says: hi", "carol joined general"]]


def test_a_burst_is_summed_up(log: Any) -> None:
    """More than a few rows at once become one line: how many, and the last."""
    entries = [message(f"row {n}") for n in range(MOST_AT_ONCE + 5)]
    log.update(entries, len(entries), "base64")
    assert log.sent == [[f"{MOST_AT_ONCE + 5} new rows; the last: bob says: row {MOST_AT_ONCE + 4}"]]


def test_only_rows_since_the_last_update_are_announced(log: Any) -> None:
    """The buffer passes its newest rows each time; the region hears each row once, even when older ones drop out."""
    entries = [message("one"), message("two")]
    log.update(entries, 2, "base64")
    log.update([message("two"), message("three")], 3, "base64")  # the buffer let "one" go
    assert log.sent == [["bob says: one", "bob says: two"], ["bob says: three"]]
