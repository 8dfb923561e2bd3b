"""The chat log in a real browser: it keeps a student's place when they scroll up, and survives a 1,000-message burst.

The fixture notebook shows alice and bob; alice talks, bob reads. We measure where bob's rows sit inside his
scrolling log (`.chatkit-log`) the way the student sees them: by their position on screen, not their DOM order.
"""

import re
import time
from typing import Any

import pytest
from playwright.sync_api import Locator, expect

from tests.browser.jupyter_server import JupyterServer
from tests.browser.notebook_page import ARRIVE_MS, NotebookPage

FIXTURE = "fixtures/scroll-and-burst.ipynb"
WARM_UP, BURST, PING = 3, 4, 5  # cell indices in the fixture
BURST_MS = 180_000  # a generous bound: the machine may be busy with other work
PING_SECONDS = 20.0
SLACK_PX = 3

# Where each message row of a log sits, relative to the log's visible top edge, sorted top to bottom.
GEOMETRY = """log => {
  const box = log.getBoundingClientRect();
  const rows = [...log.querySelectorAll('.chatkit-message .chatkit-text')].map(text => {
    const rect = text.getBoundingClientRect();
    return {text: text.textContent, top: rect.top - box.top, bottom: rect.bottom - box.top};
  });
  rows.sort((a, b) => a.top - b.top);
  return {scrollTop: log.scrollTop, height: box.height, rows};
}"""

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]


def geometry(log: Locator) -> dict[str, Any]:
    """Return the log's scroll offset, visible height and rows (text, top, bottom), top to bottom on screen."""
    found: dict[str, Any] = log.evaluate(GEOMETRY)
    return found


def row_at(view: dict[str, Any], text: str) -> dict[str, Any]:
    """Return the row showing `text`."""
    return next(row for row in view["rows"] if row["text"] == text)


def in_view(view: dict[str, Any], text: str) -> bool:
    """Tell whether the row showing `text` is inside the log's visible area."""
    row = row_at(view, text)
    return bool(row["top"] >= -SLACK_PX and row["bottom"] <= view["height"] + SLACK_PX)


def wait_for_view(notebook: NotebookPage, log: Locator, holds: Any, what: str) -> dict[str, Any]:
    """Poll the log's geometry (bounded) until `holds(view)`; return that view."""
    view: dict[str, Any] = {}
    for _ in range(ARRIVE_MS // 250):
        view = geometry(log)
        if holds(view):
            return view
        notebook.page.wait_for_timeout(250)
    raise AssertionError(f"{what}; the log showed {[row['text'] for row in view.get('rows', [])][-5:]}")


def open_with_warm_up(notebook: NotebookPage) -> tuple[Locator, Locator]:
    """Open the fixture, run it up to the burst (30 messages from alice), return alice's and bob's widgets."""
    notebook.open()
    notebook.run_above(BURST)
    assert not notebook.broken_outputs(), "\n\n".join(notebook.broken_outputs())
    alice, bob = notebook.chats().first, notebook.chats().nth(1)
    expect(notebook.message_rows(bob, "warm-up 29")).to_have_count(1, timeout=ARRIVE_MS)
    bob.scroll_into_view_if_needed()
    return alice, bob


def check_scrolling(notebook: NotebookPage) -> None:
    """At the bottom new rows stay in view; scrolled up, the row the student reads stays where it is."""
    alice, bob = open_with_warm_up(notebook)
    log = bob.locator(".chatkit-log")
    wait_for_view(notebook, log, lambda view: in_view(view, "warm-up 29"), "the newest row should be in view")
    log.evaluate("log => log.scrollBy({top: -250, behavior: 'instant'})")  # bob scrolls up to read
    before = wait_for_view(notebook, log, lambda view: not in_view(view, "warm-up 29"), "bob should have scrolled up")
    anchor = next(row for row in before["rows"] if row["top"] >= 0)
    for number in range(8):
        notebook.type_message(alice, f"while bob reads {number}")
    expect(notebook.message_rows(bob, "while bob reads 7")).to_have_count(1, timeout=ARRIVE_MS)
    notebook.page.wait_for_timeout(1000)  # let the browser settle after the last render
    after = geometry(log)
    moved = row_at(after, anchor["text"])["top"] - anchor["top"]
    assert abs(moved) <= SLACK_PX, f"the row bob was reading ({anchor['text']!r}) moved by {moved:.0f} px"
    assert not in_view(after, "while bob reads 7"), "a student who scrolled up should not be pulled to the bottom"
    log.evaluate("log => log.scrollBy({top: 100000, behavior: 'instant'})")  # back to the bottom
    wait_for_view(notebook, log, lambda view: in_view(view, "while bob reads 7"), "bob should be at the bottom")
    notebook.type_message(alice, "back at the bottom")
    wait_for_view(
        notebook,
        log,
        lambda view: "back at the bottom" in str(view) and in_view(view, "back at the bottom"),
        "at the bottom, a new row should come into view",
    )


@pytest.mark.parametrize("frontend", ["lab_server", "notebook7_server"], ids=["jupyterlab", "notebook7"])
def test_scrolling_up_keeps_the_place(
    frontend: str, page: Any, request: pytest.FixtureRequest, server_log: list[JupyterServer]
) -> None:
    jupyter: JupyterServer = request.getfixturevalue(frontend)
    server_log.append(jupyter)
    notebook = NotebookPage(page, jupyter, jupyter.root / FIXTURE)
    try:
        check_scrolling(notebook)
        notebook.run_cleanup()
    finally:
        jupyter.shut_down_kernels()


def test_a_burst_of_1000_shows_in_order_and_the_kernel_answers(
    page: Any, lab_server: JupyterServer, server_log: list[JupyterServer]
) -> None:
    """Alice sends 1,000 messages in one cell; bob's widget shows the newest, in order; `1 + 1` still answers."""
    server_log.append(lab_server)
    notebook = NotebookPage(page, lab_server, lab_server.root / FIXTURE)
    try:
        _, bob = open_with_warm_up(notebook)
        started = time.monotonic()
        notebook.run_cell(BURST)
        notebook.wait_until_idle(BURST)
        sent = time.monotonic() - started
        notebook.run_cell(PING)
        expect(notebook.cells().nth(PING).locator(".jp-OutputArea-output")).to_have_text(
            re.compile(r"^\s*2\s*$"), timeout=PING_SECONDS * 1000
        )
        answered = time.monotonic() - started - sent
        expect(notebook.message_rows(bob, "burst 0999")).to_have_count(1, timeout=BURST_MS)
        shown = time.monotonic() - started
        check_burst_order(bob)
        print(
            f"\nburst of 1000: sent in {sent:.1f} s, `1 + 1` answered {answered:.1f} s later,"
            f" the newest row showed in bob's widget {shown:.1f} s after the burst began"
        )
        notebook.run_cleanup()
        assert not notebook.broken_outputs(), "\n\n".join(notebook.broken_outputs())
    finally:
        lab_server.shut_down_kernels()


def check_burst_order(chat: Locator) -> None:
    """Check that the burst rows bob's log renders run without a gap up to the newest, top to bottom on screen."""
    rows = geometry(chat.locator(".chatkit-log"))["rows"]
    numbers = [int(row["text"].split()[1]) for row in rows if row["text"].startswith("burst ")]
    assert numbers and numbers[-1] == 999, f"the newest burst row should be last, got {numbers[-3:]}"
    assert numbers == list(range(numbers[0], 1000)), "burst rows should show in order, without gaps"
    assert len(rows) <= 500, f"the log should render at most 500 rows, it rendered {len(rows)}"
