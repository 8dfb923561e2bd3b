"""Run one notebook top to bottom in a fresh kernel, keeping its outputs and its widgets' final state.

The kernel runs in the notebook's folder (as it does in JupyterLab, so `data/...` paths work), with a private
IPython folder (no one's startup files change what the book shows) and the inline plot backend. Every cell has a
time limit, so a notebook that hangs stops the build of its page, not the whole book forever.

Why a snapshot after every cell: nbclient records widget state from the messages a cell sends, but the chat
widgets are updated by background threads, whose messages can arrive after their cell ended and are then not
recorded (a log that names rows the page has never heard of). So after each cell the kernel is asked for the state
of every live widget, which is always whole; a widget closed later keeps the state it had last.
"""

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

# Runs in the kernel after each cell (not saved into the notebook): print every live widget's state as JSON.
SNAPSHOT_SOURCE = """\
def _chatkit_book_snapshot():
    import time
    try:
        from ipywidgets.widgets.widget import _instances  # ipywidgets' register of live widgets
    except ImportError:
        return {}
    time.sleep(0.25)  # the chat widgets redraw up to ten times a second: let them show what has arrived
    state = {}
    for widget in list(_instances.values()):  # a copy: threads make and close widgets meanwhile
        try:
            state[widget.model_id] = widget._get_embed_state()
        except AttributeError:  # closed meanwhile: its comm is gone
            pass
    return state
print(__import__("json").dumps(_chatkit_book_snapshot()))
del _chatkit_book_snapshot
"""
CELL_SECONDS = 60  # a bound, far above what any cell of the walkthrough needs
KERNEL = "python3"


@dataclass
class Executed:
    """An executed notebook and what stopped it early (None when every cell ran)."""

    nb: NotebookNode
    problem: str | None = None


def read_notebook(path: Path) -> NotebookNode:
    """Read a notebook file as nbformat version 4."""
    nb: NotebookNode = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]  # nbformat has no hints here
    return nb


def kernel_environment(ipython_dir: Path) -> dict[str, str]:
    """Build the kernel's environment: ours, with a private IPython folder and no GUI backends."""
    env = dict(os.environ)
    env["IPYTHONDIR"] = str(ipython_dir)
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # keeps debugpy's frozen-modules note out of stderr
    return env


def new_client(nb: NotebookNode, folder: Path, cell_seconds: int, kernel: str) -> NotebookClient:
    """Make a client that runs the notebook in its folder and records every widget's state as it changes."""
    return NotebookClient(
        nb,
        timeout=cell_seconds,
        kernel_name=kernel,
        store_widget_state=True,
        resources={"metadata": {"path": str(folder)}},  # the kernel's working directory
    )


def snapshot_widgets(client: NotebookClient) -> dict[str, Any]:
    """Ask the kernel for the state of every live widget (run as a cell that is not kept in the notebook)."""
    cell = nbformat.v4.new_code_cell(SNAPSHOT_SOURCE)  # type: ignore[no-untyped-call]
    client.nb.cells.append(cell)  # nbclient writes a cell's outputs back at its index
    try:
        client.execute_cell(cell, len(client.nb.cells) - 1, store_history=False)
    finally:
        client.nb.cells.remove(cell)
    printed = "".join(out.get("text", "") for out in cell.outputs if out.get("name") == "stdout")
    lines = printed.strip().splitlines()
    state: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    return state


def keep_widget_state(client: NotebookClient, state: dict[str, Any]) -> None:
    """Merge a snapshot into what nbclient records, so the page gets every widget as it last was."""
    for model_id, embedded in state.items():
        client.widget_state.setdefault(model_id, {}).update(embedded["state"])
        for buffer in embedded.get("buffers", []):
            client.widget_buffers.setdefault(model_id, {})[tuple(buffer["path"])] = buffer


def run_cells(client: NotebookClient) -> str | None:
    """Execute every code cell (cells tagged raises-exception may raise); return what stopped it, or None."""
    for index, cell in enumerate(list(client.nb.cells)):
        if cell.cell_type != "code":
            continue
        try:
            client.execute_cell(cell, index)
            keep_widget_state(client, snapshot_widgets(client))
        except CellExecutionError as error:
            return f"{error.ename}: {error.evalue}"
        except CellTimeoutError:
            return f"a cell ran past {client.timeout} s"
        except DeadKernelError:
            return "the kernel died"
    return None


def execute_notebook(path: Path, cell_seconds: int = CELL_SECONDS, kernel: str = KERNEL) -> Executed:
    """Run a notebook in a fresh kernel (shut down afterwards, whatever happened) and return it executed."""
    nb = read_notebook(path)
    client = new_client(nb, path.parent.resolve(), cell_seconds, kernel)
    with (
        tempfile.TemporaryDirectory(prefix="chatkit-book-ipython-") as folder,
        client.setup_kernel(env=kernel_environment(Path(folder))),  # nbclient stops the kernel when it ends
    ):
        problem = run_cells(client)
    client.set_widgets_metadata()  # after a failure too: the page shows the widgets as the cells before left them
    return Executed(nb, problem)
