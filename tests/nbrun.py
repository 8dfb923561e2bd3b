"""Run notebooks in a real kernel for the tests: find them, execute them, probe what they leave behind.

    with NotebookRun(path, ipython_dir=tmp_path) as run:
        run.run_all()             # raises NotebookError with the cell source and the traceback
        run.run_all()             # again, in the same kernel, without a restart
        leftovers = run.leftovers()

The kernel is the venv's `python3` kernelspec, started with the Python that runs the tests, and it is
shut down when the `with` block ends, whatever happened inside it.
"""

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import nbformat
import psutil
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from chatkit.book.execute import kernel_environment  # the book runs notebooks in the same environment

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
CELL_SECONDS = 60
RAISES = "raises-exception"
ANSI_CODES = re.compile(r"\x1b\[[0-9;]*m")

# Runs inside the kernel after the notebook: what is still alive in the kernel's process.
PROBE_SOURCE = """\
import json as _json, os as _os, sys as _sys, threading as _threading
print(_json.dumps({
    "pid": _os.getpid(),
    "executable": _sys.executable,
    "prefix": _sys.prefix,
    "threads": sorted(t.name for t in _threading.enumerate() if t.name.startswith("chatkit") and t.is_alive()),
}))
"""


class NotebookError(AssertionError):
    """A notebook did something its test forbids; the text says which cell and what happened."""


def find_notebooks(root: Path = NOTEBOOKS) -> list[Path]:
    """List every notebook under root (instructor ones too), skipping Jupyter's checkpoint copies."""
    found = sorted(root.rglob("*.ipynb")) if root.is_dir() else []
    return [path for path in found if ".ipynb_checkpoints" not in path.parts]


def describe(cell: NotebookNode, index: int, problem: str) -> str:
    """Say which cell went wrong, show its source, and what happened."""
    return f"cell {index} {problem}\n--- source ---\n{cell.source}\n--- what happened ---"


def plain(text: str) -> str:
    """Remove the terminal colour codes IPython puts into tracebacks."""
    return ANSI_CODES.sub("", text)


def stderr_tracebacks(cell: NotebookNode) -> list[str]:
    """Return the stderr texts of a cell that carry a traceback (an exception in some thread)."""
    texts = [out.get("text", "") for out in cell.get("outputs", []) if out.get("name") == "stderr"]
    return [text for text in texts if "Traceback (most recent call last)" in text]


class NotebookRun:
    """One notebook in one fresh kernel, executed cell by cell so extra cells can follow it."""

    def __init__(self, path: Path, ipython_dir: Path, cell_seconds: int = CELL_SECONDS) -> None:
        self.path = path
        self.nb = nbformat.read(path, as_version=4)
        self.client = NotebookClient(
            self.nb,
            timeout=cell_seconds,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        self._setup: Any = None
        self.baseline: set[int] = set()
        self.env = kernel_environment(ipython_dir)

    def __enter__(self) -> "NotebookRun":
        self._setup = self.client.setup_kernel(env=self.env, cwd=str(self.path.parent))
        try:
            self._setup.__enter__()
        except BaseException:
            self.shut_down()  # the kernel may have started before its client failed
            raise
        self.baseline = self.listening_ports()  # the kernel's own: ZeroMQ channels and ipykernel's helpers
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        """Shut the kernel down (nbclient owns the kernel manager, so this stops the process)."""
        try:
            self._setup.__exit__(kind, error, tb)
        finally:
            self.shut_down()

    def shut_down(self) -> None:
        """Stop the kernel process if it still runs."""
        km = self.client.km
        if km is not None and km.has_kernel:
            km.shutdown_kernel(now=True)

    @property
    def kernel_pid(self) -> int:
        """Return the process id of the running kernel."""
        provisioner = self.client.km.provisioner  # type: ignore[union-attr]
        return int(provisioner.process.pid)  # type: ignore[union-attr]

    def listening_ports(self) -> set[int]:
        """Return the TCP ports the kernel process listens on."""
        connections = psutil.Process(self.kernel_pid).net_connections(kind="tcp")
        return {c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN}

    def cells(self) -> Iterator[tuple[int, NotebookNode]]:
        """Yield the code cells with their index in the notebook."""
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type == "code":
                yield index, cell

    def run_all(self) -> None:
        """Execute every cell top to bottom; only cells tagged raises-exception may (and must) raise."""
        for index, cell in self.cells():
            self.run_cell(index, cell)

    def run_cell(self, index: int, cell: NotebookNode) -> None:
        """Execute one cell and turn every failure into a NotebookError that shows the cell."""
        try:
            self.client.execute_cell(cell, index)
        except CellExecutionError as error:
            raise NotebookError(f"cell {index} raised\n{plain(str(error))}") from None  # it shows source and traceback
        except CellTimeoutError as error:
            raise NotebookError(f"{describe(cell, index, f'ran past {self.client.timeout} s')}\n{error}") from None
        except DeadKernelError as error:
            raise NotebookError(f"{describe(cell, index, 'killed the kernel')}\n{error}") from None
        self.check_outputs(index, cell)

    def check_outputs(self, index: int, cell: NotebookNode) -> None:
        """Fail on a tagged cell that did not raise, and on tracebacks printed by threads."""
        tags = cell.metadata.get("tags", [])
        raised = any(out.output_type == "error" for out in cell.outputs)
        if RAISES in tags and not raised:
            raise NotebookError(f"{describe(cell, index, f'is tagged {RAISES} but did not raise')}\n(nothing)")
        if RAISES not in tags and (printed := stderr_tracebacks(cell)):
            raise NotebookError(f"{describe(cell, index, 'printed a traceback on stderr')}\n{printed[0]}")

    def run_source(self, source: str) -> str:
        """Execute extra code after the notebook (not saved into it) and return what it printed."""
        cell = nbformat.v4.new_code_cell(source)
        self.nb.cells.append(cell)  # nbclient stores the executed cell back at its index
        try:
            self.run_cell(len(self.nb.cells) - 1, cell)
        finally:
            self.nb.cells.remove(cell)
        return "".join(out.get("text", "") for out in cell.outputs if out.get("name") == "stdout")

    def leftovers(self) -> dict[str, Any]:
        """Report the kernel's interpreter, its live chatkit threads and the ports it listens on since it started."""
        report: dict[str, Any] = json.loads(self.run_source(PROBE_SOURCE).strip().splitlines()[-1])
        report["listening"] = sorted(self.listening_ports() - self.baseline)
        report["same_python"] = os.path.realpath(report["prefix"]) == os.path.realpath(sys.prefix)  # same venv
        return report
