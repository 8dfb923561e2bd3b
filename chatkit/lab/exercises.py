"""Exercises: load the student's file (or the instructor's solution) and check it with its tests.

Each exercise module exists twice: the solution, which is the source (notebooks/instructor/solutions/NAME.py),
and the student's stub made from it by scripts/make_student_copy.py (notebooks/exercises/NAME.py).
Students edit the stub; `check(NAME)` in a notebook and `pytest tests/exercises` in a terminal run the same tests.
Set CHATKIT_EXERCISES=solutions to run the tests against the solutions instead.
"""

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TypeVar

REPO = Path(__file__).resolve().parents[2]
STUDENT_DIR = REPO / "notebooks" / "exercises"
SOLUTION_DIR = REPO / "notebooks" / "instructor" / "solutions"
TESTS_DIR = REPO / "tests" / "exercises"
CHECK_SECONDS = 120
T = TypeVar("T")


def exercise_file(name: str) -> Path:
    """Return the file an exercise is loaded from: the student's, or the solution with CHATKIT_EXERCISES=solutions."""
    folder = SOLUTION_DIR if os.environ.get("CHATKIT_EXERCISES") == "solutions" else STUDENT_DIR
    return folder / f"{name}.py"


def load(name: str) -> ModuleType:
    """Import an exercise module afresh from its file (so edits are seen without a kernel restart)."""
    path = exercise_file(name)
    if not path.exists():
        raise FileNotFoundError(f"no exercise file {path.relative_to(REPO)}: is the name right?")
    spec = importlib.util.spec_from_file_location(f"chatkit_exercise_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check(name: str) -> bool:
    """Run an exercise's tests in a fresh Python, print a plain summary, and return whether all passed."""
    test_file = TESTS_DIR / f"test_{name}.py"
    command = [sys.executable, "-m", "pytest", str(test_file), "-q", "--no-header", "--tb=no", "-rfE"]
    command += ["-p", "no:cacheprovider", "--color=no"]  # kernels set FORCE_COLOR; colour codes hide the lines
    environment = {**os.environ, "COLUMNS": "200"}  # long enough that pytest does not cut the reasons short
    try:
        result = subprocess.run(
            command, cwd=REPO, capture_output=True, text=True, timeout=CHECK_SECONDS, env=environment
        )
    except subprocess.TimeoutExpired:
        print(f"The checks of {name} did not finish within {CHECK_SECONDS} s: is there a loop that never ends?")
        return False
    print(summarise(result.stdout, name, result.returncode == 0))
    return result.returncode == 0


def summarise(output: str, name: str, passed: bool) -> str:
    """Turn pytest's output into a few lines a student can act on: the tally, then one line per failed check."""
    tally = re.search(r"(\d+ (passed|failed|error)[^\n]*?) in [\d.]+s", output)
    if tally is None:
        return f"{name}: the checks could not run\n{output[-1500:]}"
    failed = [
        re.sub(r"^(FAILED|ERROR) \S*::", "  x ", line)
        for line in output.splitlines()
        if line.startswith(("FAILED", "ERROR"))
    ]
    if passed:
        return f"{name}: {tally.group(1)} -- well done, every check passes."
    return "\n".join([f"{name}: {tally.group(1)}", *failed])


def attempt(function: Callable[..., T], *args: object, **kwargs: object) -> T | None:
    """Call a student's function in a notebook cell; if it is still a stub, say so instead of failing the cell."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        print(
            f"{function.__name__} is not written yet: open the exercise file and replace the NotImplementedError line."
        )
        return None
