"""`chatkit lab [DIR]`: open JupyterLab on the notebooks of the student's own copy of the kit.

Where the notebooks are, first found wins: DIR (a copy, or its notebooks folder), ./notebooks, then
$CHATKIT_HOME/notebooks (a folder the instructor sets on a hub). The kit's own installed files are never opened:
exercises belong to the student's copy.
"""

import argparse
import importlib.util
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

EXIT_OK = 0
EXIT_NO_NOTEBOOKS = 3
EXIT_NO_JUPYTERLAB = 4
HOME_VARIABLE = "CHATKIT_HOME"
HOW_TO_MAKE_A_COPY = "make your own copy with `chatkit student-copy --out DIR`, then run `chatkit lab DIR`"


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="chatkit lab", description="Open JupyterLab on your copy of the notebooks.")
    parser.add_argument("folder", nargs="?", type=Path, help="your copy of the kit, or its notebooks folder")
    parser.add_argument("--dry-run", action="store_true", help="print the command that would open JupyterLab, only")
    return parser.parse_args(argv)


def holds_notebooks(folder: Path) -> bool:
    """Return True if `folder` is a directory with at least one notebook in it."""
    return folder.is_dir() and any(folder.glob("*.ipynb"))


def candidates(given: Path | None, cwd: Path, environ: Mapping[str, str]) -> list[Path]:
    """List the folders to try, in order: only DIR when one is given, else ./notebooks and $CHATKIT_HOME/notebooks."""
    if given is not None:
        return [given / "notebooks", given]
    found = [cwd / "notebooks"]
    if home := environ.get(HOME_VARIABLE):
        found.append(Path(home) / "notebooks")
    return found


def find_notebooks(given: Path | None, cwd: Path, environ: Mapping[str, str]) -> Path | None:
    """Return the first candidate folder that holds notebooks, or None."""
    return next((folder for folder in candidates(given, cwd, environ) if holds_notebooks(folder)), None)


def lab_command(folder: Path) -> list[str]:
    """Return the command that starts JupyterLab with `folder` as its file browser's root."""
    return [sys.executable, "-m", "jupyterlab", str(folder.resolve())]


def run_until_stopped(command: list[str]) -> int:
    """Run `command` in this terminal; let Ctrl-C reach JupyterLab (it asks before it stops) and not kill this."""
    previous = signal.signal(signal.SIGINT, lambda signum, frame: None)  # a handler, not SIG_IGN: not inherited
    try:
        return subprocess.call(command)
    finally:
        signal.signal(signal.SIGINT, previous)


def main(argv: list[str] | None = None) -> int:
    """Find the student's notebooks and open JupyterLab on them (or, with --dry-run, print how)."""
    options = parse_arguments(argv)
    folder = find_notebooks(options.folder, Path.cwd(), os.environ)
    if folder is None:
        tried = ", ".join(str(path) for path in candidates(options.folder, Path.cwd(), os.environ))
        print(f"chatkit lab: no notebooks found (looked in {tried}); {HOW_TO_MAKE_A_COPY}", file=sys.stderr)
        return EXIT_NO_NOTEBOOKS
    command = lab_command(folder)
    if options.dry_run:
        print(shlex.join(command))
        return EXIT_OK
    if importlib.util.find_spec("jupyterlab") is None:
        print("chatkit lab: JupyterLab is not installed: pip install 'chatkit[notebooks]'", file=sys.stderr)
        return EXIT_NO_JUPYTERLAB
    return run_until_stopped(command)
