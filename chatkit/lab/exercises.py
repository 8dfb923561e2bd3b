"""Exercises in a notebook: load the student's file, try a function, and check it with its tests.

    from chatkit.lab.exercises import attempt, check, load
    warmup = load("nb00_warmup")     # notebooks/exercises/nb00_warmup.py of the course copy this notebook is in
    check("nb00_warmup")             # runs tests/exercises/test_nb00_warmup.py of the same copy

The copy is found from the notebook's folder (chatkit.course.home), never from where chatkit is installed.
The solutions are the source (notebooks/instructor/solutions/, in the kit's repository only); the stubs are made
from them by `chatkit student-copy`. `load_solution` reads a solution instead, in the kit's repository only (its
attack tests use it); nothing a student's code can set switches `load` or the checks to the solutions (the checks
take pytest's `--solutions` when pytest starts, and a student copy has no solutions at all).
"""

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from chatkit.course.exercises import load_from, run_checks
from chatkit.course.home import find_home

T = TypeVar("T")


def load(name: str) -> ModuleType:
    """Import an exercise module afresh from this copy (so edits are seen without a kernel restart)."""
    return load_from(find_home().exercises, name)


def load_solution(name: str) -> ModuleType:
    """Import the instructor's solution of an exercise (the kit's repository has them; a student copy does not)."""
    return load_from(find_home().solutions, name)


def check(name: str) -> bool:
    """Run an exercise's tests in a fresh Python, print a plain summary, and return whether all passed."""
    return run_checks(find_home(), name)


def attempt(function: Callable[..., T], *args: object, **kwargs: object) -> T | None:
    """Call a student's function in a notebook cell; if it is still a stub, say so instead of failing the cell."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        print(
            f"{function.__name__} is not written yet: open the exercise file and replace the NotImplementedError line."
        )
        return None


def __getattr__(attribute: str) -> Path:
    """Give REPO (the copy's folder) and SOLUTION_DIR, found when asked, as older notebooks and tests use them."""
    if attribute == "REPO":
        return find_home().root
    if attribute == "SOLUTION_DIR":
        return find_home().solutions
    raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")
