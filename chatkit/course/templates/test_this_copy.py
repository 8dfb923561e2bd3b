"""Check that this course copy is whole: `pytest` in the copy runs this and passes on a fresh copy.

The exercise checks themselves are `pytest tests/exercises`: they fail until the exercises are solved.
"""

import subprocess
import sys
from pathlib import Path

from chatkit.course.exercises import load_from
from chatkit.course.home import Home, find_home


def this_copy() -> Home:
    return find_home(Path(__file__).parent)


def test_every_exercise_has_its_file_and_its_checks() -> None:
    home = this_copy()
    exercises = sorted(path.stem for path in home.exercises.glob("*.py"))
    checked = sorted(path.stem.removeprefix("test_") for path in home.checks.glob("test_*.py"))
    assert exercises, f"no exercise files in {home.exercises}"
    assert exercises == checked, "an exercise file and its checks no longer match: was one renamed or deleted?"


def test_every_exercise_file_can_be_imported() -> None:
    home = this_copy()
    for path in sorted(home.exercises.glob("*.py")):
        load_from(home.exercises, path.stem)  # a syntax error in your file shows up here


def test_the_checks_can_be_collected() -> None:
    command = [sys.executable, "-m", "pytest", "tests/exercises", "--collect-only", "-q", "-p", "no:cacheprovider"]
    result = subprocess.run(command, cwd=this_copy().root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
