"""The code students read stays clean: ruff (lint and format), mypy strict on chatkit/, no machine paths.

The tools run from the same virtualenv as this test (the folder of sys.executable), with the settings in
pyproject.toml, exactly as a person would run them from the repository's root.
"""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin folder (not resolved: that would leave the venv)
TOOL_SECONDS = 100


def run_tool(*command: str) -> subprocess.CompletedProcess[str]:
    """Run a tool from the venv in the repository's root and return what it did."""
    return subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TOOL_SECONDS,
    )


@pytest.mark.parametrize(
    "command",
    [
        ("ruff", "check", "."),
        ("ruff", "format", "--check", "."),
        ("mypy",),  # strict, on chatkit/ (pyproject.toml says so)
        ("mypy", "--strict", "scripts/run_server.py", "scripts/run_client.py"),
    ],
    ids=["ruff-check", "ruff-format", "mypy", "mypy-scripts"],
)
def test_tool_passes(command: tuple[str, ...]) -> None:
    done = run_tool(*command)
    assert done.returncode == 0, f"`{' '.join(command)}` failed:\n{done.stdout}\n{done.stderr}"


def test_no_tracked_file_holds_a_machine_path() -> None:
    patterns = ["/" + "work" + "/", "/" + "root" + "/"]  # built in pieces, so this file does not match itself
    arguments = [part for pattern in patterns for part in ("-e", pattern)]
    done = subprocess.run(
        ["git", "grep", "--line-number", "-I", "--fixed-strings", *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TOOL_SECONDS,
    )
    assert done.returncode in (0, 1), f"git grep failed: {done.stderr}"  # 1 means no match
    assert done.stdout == "", (
        "machine-specific paths in tracked files (use paths relative to the repo):\n" + done.stdout
    )
