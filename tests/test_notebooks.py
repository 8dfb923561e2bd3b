"""Notebooks are software: each one runs top to bottom in a fresh kernel, runs again without a restart,
and leaves no chatkit thread and no listening socket behind."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

from tests.nbrun import NOTEBOOKS, REPO, NotebookError, NotebookRun, find_notebooks

ALL = find_notebooks()
IDS = [str(path.relative_to(NOTEBOOKS)) for path in ALL]


@pytest.fixture(scope="session", autouse=True)
def venv_kernelspec() -> None:
    """Make sure the `python3` kernel runs this Python; install a kernelspec into sys.prefix if it would not."""
    try:
        argv = KernelSpecManager().get_kernel_spec("python3").argv
    except NoSuchKernel:
        argv = []
    if argv and argv[0] in ("python", "python3", sys.executable):  # jupyter_client runs "python" as sys.executable
        return
    command = [sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def test_there_are_notebooks() -> None:
    """The suite must not pass on nothing: notebooks/ holds at least one notebook."""
    assert ALL, f"no notebooks found under {NOTEBOOKS.relative_to(REPO)}/"


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    """Run the notebook in a fresh kernel; only cells tagged raises-exception may raise."""
    with NotebookRun(path, ipython_dir=tmp_path) as run:
        run.run_all()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_runs_twice_and_cleans_up(path: Path, tmp_path: Path) -> None:
    """Run the notebook twice in one kernel; afterwards no chatkit thread lives and nothing listens."""
    with NotebookRun(path, ipython_dir=tmp_path) as run:
        run.run_all()
        run.run_all()
        left = run.leftovers()
    assert left["same_python"], f"the kernel ran {left['executable']}, not the test's {sys.executable}"
    assert not left["threads"], f"chatkit threads still alive after the last cell: {left['threads']}"
    assert not left["listening"], f"the kernel still listens on {left['listening']} after the last cell"


# --- the harness itself: it must catch what it claims to catch ---


def write_notebook(path: Path, *cells: tuple[str, list[str]]) -> Path:
    """Write a small notebook of code cells, each given as (source, tags)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source, metadata={"tags": tags}) for source, tags in cells]
    nbformat.write(nb, path)
    return path


def test_harness_reports_the_failing_cell(tmp_path: Path) -> None:
    """An untagged error fails with the cell's source and the exception; a tagged one is allowed."""
    path = write_notebook(
        tmp_path / "errors.ipynb", ("1 / 0", ["raises-exception"]), ("x = 'before'\nraise ValueError('on purpose')", [])
    )
    with NotebookRun(path, ipython_dir=tmp_path) as run, pytest.raises(NotebookError) as failure:
        run.run_all()
    assert "cell 1 raised" in str(failure.value)
    assert "x = 'before'" in str(failure.value) and "ValueError: on purpose" in str(failure.value)


def test_harness_finds_a_server_left_running(tmp_path: Path) -> None:
    """A notebook that never stops its server leaves a chatkit thread and a listening port: the probe sees both."""
    path = write_notebook(tmp_path / "leak.ipynb", ("from chatkit.server import ChatServer\nChatServer().start()", []))
    with NotebookRun(path, ipython_dir=tmp_path) as run:
        run.run_all()
        left = run.leftovers()
        run.run_source("from chatkit.server import ChatServer\nChatServer.stop_all()")
    assert "chatkit-accept" in left["threads"] and len(left["listening"]) == 1, left
