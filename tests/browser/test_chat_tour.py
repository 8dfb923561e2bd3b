"""The chat tour in a real browser: run it, chat through its widgets, switch rooms, clean up.

Run with `pytest -m browser tests/browser` (or with the whole suite). Screenshots go to tests/artifacts/;
with CHATKIT_UPDATE_DOCS=1 the best one is also copied to docs/images/tour.png for the README.
"""

import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.jupyter_server import JupyterServer
from tests.browser.notebook_page import ARRIVE_MS, NotebookPage
from tests.nbrun import NOTEBOOKS, REPO

TOUR = "02-chat-tour.ipynb"
FIXTURE = "fixtures/chat-fixture.ipynb"
DOCS_IMAGE = REPO / "docs" / "images" / "tour.png"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def notebook_under_test() -> str:
    """Drive the tour once it exists; until then the fixture notebook (a server and two chat widgets)."""
    return TOUR if (NOTEBOOKS / TOUR).exists() else FIXTURE


def shot(target: Any, name: str) -> Path:
    """Save a screenshot of a page or an element into tests/artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    target.screenshot(path=str(path))
    return path


def chat_and_cleanup(notebook: NotebookPage, flavour: str) -> None:
    """Run the notebook, chat between two widgets, switch rooms, take screenshots, run the cleanup cell."""
    notebook.open()
    notebook.run_all_but_cleanup()
    assert not notebook.broken_outputs(), "\n\n".join(notebook.broken_outputs())
    chats = notebook.chats()
    expect(chats.nth(1)).to_be_visible()
    keep_tour_picture(notebook, flavour)
    text = f"hello from {flavour} {secrets.token_hex(3)}"
    notebook.type_message(chats.first, text)
    expect(notebook.message_rows(chats.first, text)).to_have_count(1, timeout=ARRIVE_MS)
    receivers = [chats.nth(i) for i in range(1, chats.count())]
    received = wait_for_arrival(notebook, receivers, text)
    ciphertext = notebook.message_rows(received, text).locator(".chatkit-ciphertext").inner_text().strip()
    assert ciphertext and text not in ciphertext, f"the message should arrive with its ciphertext, got {ciphertext!r}"
    check_hex_toggle(notebook, received, text)
    take_screenshots(notebook, flavour)
    if notebook.notebook.name == TOUR:  # the tour shows both modes side by side
        for mode in ("classic", "sealed"):
            expect(notebook.page.locator(f".chatkit-badge.chatkit-{mode}:visible").first).to_be_visible()
    check_room_switch(notebook, flavour)
    notebook.run_cleanup()
    assert not notebook.broken_outputs(), "\n\n".join(notebook.broken_outputs())


def wait_for_arrival(notebook: NotebookPage, receivers: list[Any], text: str) -> Any:
    """Wait (bounded) until `text` shows in another chat widget; return that widget."""
    deadline_polls = ARRIVE_MS // 250
    for _ in range(deadline_polls):
        for chat in receivers:
            if notebook.message_rows(chat, text).count():
                return chat
        notebook.page.wait_for_timeout(250)
    raise AssertionError(f"{text!r} never arrived in another chat widget ({len(receivers)} watched)")


def check_hex_toggle(notebook: NotebookPage, chat: Any, text: str) -> None:
    """Show a widget's ciphertext in hex and back: the same bytes, written differently."""
    ciphertext = notebook.message_rows(chat, text).locator(".chatkit-ciphertext")
    as_base64 = ciphertext.inner_text().strip()
    chat.get_by_role("button", name="hex").click()
    expect(ciphertext).to_have_text(re.compile(r"^\s*[0-9a-f]+\s*$"), timeout=ARRIVE_MS)
    chat.get_by_role("button", name="base64").click()
    expect(ciphertext).to_have_text(as_base64, timeout=ARRIVE_MS)


def check_room_switch(notebook: NotebookPage, flavour: str) -> None:
    """Move the first widget to a new room: what it says there reaches nobody left in the old room."""
    chats = notebook.chats()
    room = f"{flavour}-room"
    notebook.switch_room(chats.first, room)
    text = f"only in {room} {secrets.token_hex(3)}"
    notebook.type_message(chats.first, text)
    expect(notebook.message_rows(chats.first, text)).to_have_count(1, timeout=ARRIVE_MS)
    notebook.page.wait_for_timeout(1000)  # the server relays to everyone at once; give the others a moment anyway
    for index in range(1, chats.count()):
        assert notebook.message_rows(chats.nth(index), text).count() == 0, f"widget {index} saw a message from {room}"


def take_screenshots(notebook: NotebookPage, flavour: str) -> None:
    """Save the whole page, two chat widgets, and the wire view and server panel where the notebook shows them."""
    page = notebook.page
    shot(page, f"{flavour}-page.png")
    shot_two_chats(notebook, f"{flavour}-chats.png")
    for css, name in ((".chatkit-wire", "wire"), (".chatkit-server-panel", "server-panel")):
        view = page.locator(f"{css}:visible")
        if view.count():
            view.first.scroll_into_view_if_needed()
            picture = shot(view.first, f"{flavour}-{name}.png")
            if name == "wire":
                publish(notebook, flavour, picture, DOCS_IMAGE.with_name("wire.png"))


def keep_tour_picture(notebook: NotebookPage, flavour: str) -> None:
    """Photograph the chat widgets as the notebook left them; with CHATKIT_UPDATE_DOCS=1 that is the README's."""
    publish(notebook, flavour, shot_two_chats(notebook, f"{flavour}-tour.png"), DOCS_IMAGE)


def publish(notebook: NotebookPage, flavour: str, picture: Path, target: Path) -> None:
    """With CHATKIT_UPDATE_DOCS=1, copy a JupyterLab picture of the tour into docs/images for the README."""
    if flavour == "lab" and notebook.notebook.name == TOUR and os.environ.get("CHATKIT_UPDATE_DOCS") == "1":
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(picture, target)


def shot_two_chats(notebook: NotebookPage, name: str) -> Path:
    """Photograph the first two chat widgets: their shared output, or the box around both when they sit apart."""
    first, second = notebook.chats().first, notebook.chats().nth(1)
    shared = notebook.page.locator(".jp-OutputArea-output").filter(has=first).filter(has=second)
    if shared.count():
        shared.first.scroll_into_view_if_needed()
        return shot(shared.first, name)
    first.scroll_into_view_if_needed()
    boxes = [box for box in (first.bounding_box(), second.bounding_box()) if box]
    left, top = min(b["x"] for b in boxes), min(b["y"] for b in boxes)
    right, bottom = max(b["x"] + b["width"] for b in boxes), max(b["y"] + b["height"] for b in boxes)
    clip = {"x": left, "y": max(0, top), "width": right - left, "height": bottom - max(0, top)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    notebook.page.screenshot(path=str(ARTIFACTS / name), clip=clip)
    return ARTIFACTS / name


def shut_down(server: JupyterServer) -> None:
    """Shut the notebook's kernel down through the REST API and check that none is left."""
    server.shut_down_kernels()
    assert server.kernels() == [], f"kernels still running: {server.kernels()}"


def test_chat_tour_in_jupyterlab(page: Any, lab_server: JupyterServer, server_log: list[JupyterServer]) -> None:
    """JupyterLab 4: run the notebook, chat, switch rooms, clean up, shut the kernel down."""
    server_log.append(lab_server)
    notebook = NotebookPage(page, lab_server, lab_server.root / notebook_under_test())
    try:
        chat_and_cleanup(notebook, "lab")
    finally:
        shut_down(lab_server)


def test_chat_tour_in_notebook7(page: Any, notebook7_server: JupyterServer, server_log: list[JupyterServer]) -> None:
    """Notebook 7: the same smoke flow."""
    server_log.append(notebook7_server)
    notebook = NotebookPage(page, notebook7_server, notebook7_server.root / notebook_under_test())
    try:
        chat_and_cleanup(notebook, "notebook7")
    finally:
        shut_down(notebook7_server)
