"""Every notebook in JupyterLab: it runs, each widget displays, no cell shows a traceback, and it cleans up."""

from pathlib import Path
from typing import Any

import pytest

from tests.browser.jupyter_server import JupyterServer
from tests.browser.notebook_page import NotebookPage
from tests.nbrun import NOTEBOOKS, find_notebooks

ALL = [path.relative_to(NOTEBOOKS) for path in find_notebooks()]

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.mark.parametrize("name", ALL, ids=[str(name) for name in ALL])
def test_notebook_displays_in_jupyterlab(
    name: Path, page: Any, lab_server: JupyterServer, server_log: list[JupyterServer]
) -> None:
    """Run all but the cleanup cell, check every output, then run the cleanup and shut the kernel down."""
    server_log.append(lab_server)
    notebook = NotebookPage(page, lab_server, lab_server.root / name)
    try:
        notebook.open()
        notebook.run_all_but_cleanup()
        assert not notebook.broken_outputs(), "\n\n".join(notebook.broken_outputs())
        notebook.run_cleanup()
        assert not notebook.broken_outputs(), "\n\n".join(notebook.broken_outputs())
    finally:
        lab_server.shut_down_kernels()
