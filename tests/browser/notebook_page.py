"""Drive a notebook in JupyterLab or Notebook 7 the way a student does: menus, clicks, typing, Enter.

Both front ends render cells as `.jp-Cell` and widgets inside `.jp-OutputArea-output`; the chat widgets carry
the CSS classes chatkit.widgets gives them (`chatkit-chat`, `chatkit-input`, `chatkit-text`, `chatkit-ciphertext`).
"""

import re
import time
from pathlib import Path

import nbformat
from playwright.sync_api import Locator, Page, expect

from tests.browser.jupyter_server import JupyterServer

LOAD_MS = 60_000
RUN_SECONDS = 120
ARRIVE_MS = 20_000
# What a broken output shows: a traceback, ipywidgets' text for a missing model, its error view for a failed one.
BROKEN_OUTPUT = ("Traceback (most recent call last)", "Error displaying widget", "Click to show javascript error")
WIDGET_ERROR = ".jupyter-widgets-error-widget"


def code_cells(path: Path) -> tuple[list[int], set[int]]:
    """Read a notebook file: the indices of its code cells, and of those tagged raises-exception."""
    cells = nbformat.read(path, as_version=4).cells
    code = [index for index, cell in enumerate(cells) if cell.cell_type == "code"]
    tagged = {index for index in code if "raises-exception" in cells[index].metadata.get("tags", [])}
    return code, tagged


class NotebookPage:
    """One notebook open in the browser, with the server behind it."""

    def __init__(self, page: Page, server: JupyterServer, notebook: Path) -> None:
        self.page, self.server, self.notebook = page, server, notebook
        self.code, self.may_raise = code_cells(notebook)

    # --- opening and running ---

    def open(self) -> None:
        """Open the notebook (a fresh workspace in JupyterLab) and wait for its kernel."""
        name = self.notebook.relative_to(self.server.root).as_posix()
        path = f"lab/tree/{name}?reset" if self.server.app == "lab" else f"notebooks/{name}"
        self.page.goto(self.server.url(path))
        expect(self.cells().first).to_be_visible(timeout=LOAD_MS)
        self.wait_until_idle()

    def cells(self) -> Locator:
        """Locate every cell of the open notebook, in order."""
        return self.page.locator(".jp-NotebookPanel:visible .jp-Cell")

    def select(self, index: int) -> None:
        """Select cell `index` in command mode by clicking its prompt."""
        cell = self.cells().nth(index)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputPrompt").click()
        expect(cell).to_have_class(re.compile(r"\bjp-mod-selected\b"))

    def menu(self, menu: str, item: str) -> None:
        """Click a menu bar entry, then one of its items."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{re.escape(menu)}$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(item)}$")).click()

    def choose_theme(self, theme: str) -> None:
        """Pick a theme from JupyterLab's Settings > Theme menu and wait until the page has switched to it.

        JupyterLab saves the choice in the user settings, so the server's next pages open in it too.
        """
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Settings$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).hover()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(theme)}$")).click()
        self.page.wait_for_function("name => document.body.dataset.jpThemeName === name", arg=theme, timeout=LOAD_MS)
        self.page.wait_for_timeout(1000)  # the theme's style sheet is in; let the page paint with it

    def run_all_but_cleanup(self) -> None:
        """Run every cell above the notebook's last code cell (its cleanup), then wait for the kernel."""
        self.select(self.code[-1])
        self.menu("Run", "Run All Above Selected Cell")
        self.wait_until_idle(self.code[-2] if len(self.code) > 1 else None)

    def run_above(self, index: int) -> None:
        """Run every cell above cell `index`, then wait for the kernel."""
        self.select(index)
        self.menu("Run", "Run All Above Selected Cell")
        self.wait_until_idle(max(code for code in self.code if code < index))

    def run_cell(self, index: int) -> None:
        """Run cell `index` with Ctrl+Enter (it stays selected); do not wait."""
        self.select(index)
        self.page.keyboard.press("Control+Enter")

    def run_cleanup(self) -> None:
        """Run the last code cell (the notebook's cleanup) with Ctrl+Enter, then wait for the kernel."""
        self.select(self.code[-1])
        self.page.keyboard.press("Control+Enter")
        self.wait_until_idle(self.code[-1])

    def wait_until_idle(self, last_run: int | None = None, seconds: float = RUN_SECONDS) -> None:
        """Wait (bounded) until no cell is queued or running, `last_run` has its number, and the kernel is idle."""
        deadline, calm = time.monotonic() + seconds, 0
        while time.monotonic() < deadline:
            calm = calm + 1 if self.looks_idle(last_run) else 0
            if calm >= 3:  # idle three polls in a row: not just the gap between two queued cells
                return
            self.page.wait_for_timeout(300)
        raise AssertionError(f"the kernel was still busy after {seconds} s; prompts: {self.prompts()}")

    def looks_idle(self, last_run: int | None) -> bool:
        """Tell whether nothing runs right now (prompts in the page and the kernel state from the REST API)."""
        prompts = self.prompts()
        if any("*" in prompt for prompt in prompts):
            return False
        numbered = last_run is None or re.search(r"\d", self.prompt(last_run))
        if not numbered and not self.broken_outputs():  # an error stops the run before `last_run`: done anyway
            return False
        kernels = self.server.kernels()
        return bool(kernels) and all(kernel.get("execution_state") == "idle" for kernel in kernels)

    def prompt(self, index: int) -> str:
        """Return the input prompt of cell `index`."""
        return self.cells().nth(index).locator(".jp-InputPrompt").inner_text().strip()

    def prompts(self) -> list[str]:
        """Return the input prompt of every cell ('[3]:', '[*]:', '[ ]:'); markdown cells give ''."""
        return [text.strip() for text in self.cells().locator(".jp-InputPrompt").all_inner_texts()]

    # --- what the page shows ---

    def broken_outputs(self) -> list[str]:
        """Return the outputs showing a traceback or a widget that failed to display, outside raises-exception cells."""
        found = []
        for index in range(self.cells().count()):
            if index not in self.may_raise and (problem := self.broken_output(index)):
                found.append(f"cell {index}: {problem[:2000]}")
        return found

    def broken_output(self, index: int) -> str:
        """Return the text of cell `index`'s broken output, or '' when its outputs are fine."""
        outputs = self.cells().nth(index).locator(".jp-OutputArea-output")
        for text in outputs.all_inner_texts():
            if any(sign in text for sign in BROKEN_OUTPUT):
                return text
        return "Error displaying widget (its error view is shown)" if outputs.locator(WIDGET_ERROR).count() else ""

    def chats(self) -> Locator:
        """Locate every chat widget on the page."""
        return self.page.locator(".chatkit-chat:visible")

    def message_rows(self, chat: Locator, text: str) -> Locator:
        """Locate the message rows of one chat widget that show `text`."""
        return chat.locator(".chatkit-message").filter(has=self.page.locator(".chatkit-text", has_text=text))

    # --- what a student does in a chat widget ---

    def type_message(self, chat: Locator, text: str) -> None:
        """Type into a chat widget's input box and press Enter."""
        box = chat.locator(".chatkit-input input")
        box.click()
        box.fill(text)
        box.press("Enter")
        expect(box).to_have_value("", timeout=ARRIVE_MS)  # the widget empties the box once it has sent

    def switch_room(self, chat: Locator, room: str) -> None:
        """Type a room name into the widget's room box and click its join button."""
        box = chat.locator(".chatkit-room input")
        if box.count() == 0:  # widgets without the chatkit-room class: find the box by its label
            box = chat.locator(".widget-text").filter(has=self.page.locator("label", has_text="room")).locator("input")
        box.fill(room)
        box.press("Tab")  # leave the box so its value reaches the kernel before the click
        chat.get_by_role("button", name="join").click()
        expect(chat).to_contain_text(f"in {room}", timeout=ARRIVE_MS)
