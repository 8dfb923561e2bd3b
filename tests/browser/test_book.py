"""The book in a real browser, offline: build it for the chat tour and notebook 05 (math), open its pages from
file:// with every other request aborted, and read the chat windows, the diagrams and the formulas.

The build needs npm once (the tarballs are then cached in ~/.cache/chatkit/npm); without npm and without that
cache the test is skipped, and fails in CI, like the browser tests without a browser.
"""

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from chatkit.book.vendor import PACKAGES, default_cache
from chatkit.cli import book
from tests.browser.conftest import missing_browser
from tests.browser.notebook_page import WIDGET_ERROR
from tests.nbrun import NOTEBOOKS

BOOK = ["02", "05"]  # the tour has the chat windows; 05 has formulas and a diagram
TOUR_MESSAGES = ["hi bob, hi carol!", "hello alice"]  # what alice and bob send in the tour's section 2
RENDER_MS = 30_000

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the book for the tour and notebook 05 from a tmp copy of notebooks/ (what they write stays there)."""
    cached = all((default_cache() / package.tarball).is_file() for package in PACKAGES)
    if shutil.which("npm") is None and not cached:
        missing_browser("npm is not installed (apt-get install npm), and the npm cache is empty")
    folder = tmp_path_factory.mktemp("book") / "notebooks"
    shutil.copytree(NOTEBOOKS, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.db*"))
    out = folder.parent / "site"
    with pytest.MonkeyPatch.context() as patch:  # the copy is outside any course copy: check() uses the repo's
        patch.setenv("CHATKIT_HOME", str(NOTEBOOKS.parent))
        exit_code = book.main(["--out", str(out), "--from", str(folder), *BOOK])  # as `chatkit book` runs it
    assert exit_code == book.BUILT, "every notebook should run to its end"
    return out


@dataclass
class Offline:
    """A page that may load file:// only; what it tried to fetch from elsewhere, what failed, what it logged."""

    page: Any
    aborted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: Path) -> Any:
        self.page.goto(path.as_uri())
        return self.page

    def problems(self) -> list[str]:
        """Say everything that should not have happened: network requests, missing files, script errors."""
        return [f"aborted {url}" for url in self.aborted] + [f"failed {url}" for url in self.failed] + self.errors


@pytest.fixture
def offline(page: Any) -> Iterator[Offline]:
    """Block every request that is not file://, and record it, before the page opens anything."""
    watch = Offline(page)

    def only_files(route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            watch.aborted.append(route.request.url)
            route.abort()

    page.route("**/*", only_files)
    page.on("requestfailed", lambda request: watch.failed.append(request.url))
    page.on("pageerror", lambda error: watch.errors.append(f"pageerror: {error}"))

    def console_errors(message: Any) -> None:
        if message.type == "error":
            watch.errors.append(f"console: {message.text}")

    page.on("console", console_errors)
    yield watch


def test_the_tour_shows_its_chat_windows_with_the_network_blocked(site: Path, offline: Offline) -> None:
    page = offline.open(site / "02-chat-tour.html")
    chats = page.locator(".chatkit-chat")
    expect(chats.first).to_be_visible(timeout=RENDER_MS)
    assert chats.count() >= 3, "alice, bob and carol each have a chat window"
    for text in TOUR_MESSAGES:
        row = chats.locator(".chatkit-message").filter(has=page.locator(".chatkit-text", has_text=text)).first
        expect(row).to_be_visible()
        ciphertext = row.locator(".chatkit-ciphertext").inner_text().strip()
        assert ciphertext and text not in ciphertext, f"{text!r} should show beside its ciphertext, got {ciphertext!r}"
    expect(page.locator(".jp-RenderedMermaid").first).to_be_visible()
    assert page.locator(WIDGET_ERROR).count() == 0, "a widget shows its error view"
    assert offline.problems() == []


def test_formulas_and_diagrams_render_with_the_network_blocked(site: Path, offline: Offline) -> None:
    page = offline.open(site / "05-cbc-is-malleable.html")
    expect(page.locator("mjx-container").first).to_be_visible(timeout=RENDER_MS)
    expect(page.locator(".jp-RenderedMermaid img").first).to_be_visible(timeout=RENDER_MS)
    expect(page.locator(".chatkit-chat").first).to_be_visible()  # bob's window
    assert offline.problems() == []


def test_the_contents_lead_to_every_page_and_back(site: Path, offline: Offline) -> None:
    page = offline.open(site / "index.html")
    links = page.locator("main li a")
    expect(links).to_have_count(len(BOOK))
    links.first.click()
    expect(page).to_have_title("02 · A chat tour: three people, one server, two modes")
    page.locator('nav a[rel="next"]').click()
    expect(page).to_have_url((site / "05-cbc-is-malleable.html").as_uri())
    page.locator("nav a", has_text="Contents").click()
    expect(page).to_have_url((site / "index.html").as_uri())
    assert offline.aborted == []  # not `failed`: leaving a page before it has loaded cancels its own file loads
