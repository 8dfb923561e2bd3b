"""Browser fixtures: Debian's Chromium driven by Playwright, JupyterLab and Notebook 7 from this venv.

The Jupyter servers serve a tmp copy of notebooks/ (the browser saves what it runs; the repo's notebooks stay
clean) plus the fixture notebook. A failing test leaves its screenshot, the browser console and the server log in
tests/artifacts/.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.jupyter_server import JupyterServer
from tests.nbrun import NOTEBOOKS, REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = REPO / "tests" / "artifacts"
FIXTURES = Path(__file__).parent / "fixtures"
VIEWPORT = {"width": 1500, "height": 1100}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives JupyterLab or Notebook 7 in a real browser (Chromium)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def missing_browser(reason: str) -> None:
    """Fail in CI (a missing browser there is a broken setup), skip anywhere else."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Launch Debian's Chromium (never a downloaded one) for the whole session."""
    if not CHROMIUM.exists():
        missing_browser(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_browser("the playwright package is not installed (pip install -e '.[test]')")
    for old in ARTIFACTS.glob("failed-*"):  # what an earlier run left would mislead whoever reads the folder
        old.unlink()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def served_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copy notebooks/ (without checkpoints) and the fixture notebooks into a tmp folder the servers serve."""
    root = tmp_path_factory.mktemp("served") / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.db*"))
    shutil.copytree(FIXTURES, root / "fixtures")
    return root


def start_server(app: str, root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """Start a Jupyter server for the session; stop it (only it) at the end."""
    server = JupyterServer(app, root, tmp_path_factory.mktemp(f"jupyter-{app}")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lab_server(served_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    yield from start_server("lab", served_root, tmp_path_factory)


@pytest.fixture(scope="session")
def notebook7_server(served_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    yield from start_server("notebook", served_root, tmp_path_factory)


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Open a fresh page; on failure save its screenshot and console log into tests/artifacts/."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is None or report.failed:
            save_failure(page, console, request.node.name)
        context.close()


@pytest.fixture
def server_log(request: pytest.FixtureRequest) -> Iterator[list[JupyterServer]]:
    """Collect the servers a test uses; if it fails, save the end of their logs into tests/artifacts/."""
    used: list[JupyterServer] = []
    yield used
    report = getattr(request.node, "report_call", None)
    if report is None or report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for server in used:
            (ARTIFACTS / f"failed-{server.app}-server.log").write_text(server.log_tail(400) + "\n")


def save_failure(page: Any, console: list[str], name: str) -> None:
    """Save what a failed browser test saw: the page, and everything the browser console said."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = "failed-" + "".join(char if char.isalnum() or char in "-_" else "_" for char in name)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
    except Exception as error:  # a crashed page cannot be photographed; the console log still helps
        console.append(f"(no screenshot: {error})")
    (ARTIFACTS / f"{stem}-console.log").write_text("\n".join(console) + "\n")
