"""The browser checks themselves: a traceback and a widget that cannot display must both be caught."""

from typing import Any

import nbformat
import pytest

from tests.browser.jupyter_server import JupyterServer
from tests.browser.notebook_page import NotebookPage

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

BROKEN_WIDGET = """\
import ipywidgets, traitlets

class Missing(ipywidgets.DOMWidget):
    _view_name = traitlets.Unicode("NoSuchView").tag(sync=True)
    _view_module = traitlets.Unicode("no-such-module").tag(sync=True)
    _view_module_version = traitlets.Unicode("1.0.0").tag(sync=True)

Missing()"""


def test_broken_outputs_are_found(page: Any, lab_server: JupyterServer, server_log: list[JupyterServer]) -> None:
    """A widget whose view does not exist and an untagged error both show up; a tagged error does not."""
    server_log.append(lab_server)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
        nbformat.v4.new_code_cell(BROKEN_WIDGET),
        nbformat.v4.new_code_cell("raise ValueError('on purpose')"),
        nbformat.v4.new_code_cell("print('cleanup')"),
    ]
    path = lab_server.root / "harness-broken.ipynb"
    nbformat.write(nb, path)
    notebook = NotebookPage(page, lab_server, path)
    try:
        notebook.open()
        notebook.run_all_but_cleanup()
        found = notebook.broken_outputs()
    finally:
        lab_server.shut_down_kernels()
    assert [line.split(":")[0] for line in found] == ["cell 1", "cell 2"], found
    assert "javascript error" in found[0] and "ValueError: on purpose" in found[1]
