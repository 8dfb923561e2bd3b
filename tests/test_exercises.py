"""The exercises work in both directions: every check passes on the solutions and fails on the untouched stubs.

The solutions are chosen with pytest's --solutions (read once, before any exercise is loaded); an exercise file that
sets CHATKIT_EXERCISES changes nothing.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXERCISE_TESTS = REPO / "tests" / "exercises"
MIN_EXERCISE_TESTS = 30


def run_exercise_tests(solutions: bool) -> subprocess.CompletedProcess[str]:
    """Run pytest on tests/exercises in a fresh Python, against the solutions or the students' stubs."""
    environment = {key: value for key, value in os.environ.items() if key != "CHATKIT_EXERCISES"}
    command = [sys.executable, "-m", "pytest", str(EXERCISE_TESTS), "-q", "--no-header", "--tb=no", "-rA"]
    command += ["-p", "no:cacheprovider", "-o", "addopts=", *(["--solutions"] if solutions else [])]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600, env=environment)


def outcomes(output: str) -> dict[str, str]:
    """Map each test id to PASSED/FAILED/ERROR from pytest's -rA summary."""
    return {match[1]: match[0] for match in re.findall(r"^(PASSED|FAILED|ERROR) (\S+)", output, re.MULTILINE)}


@pytest.mark.timeout(660)
def test_every_exercise_check_passes_on_the_solutions() -> None:
    result = run_exercise_tests(solutions=True)
    seen = outcomes(result.stdout)
    assert result.returncode == 0, result.stdout[-4000:]
    assert len(seen) >= MIN_EXERCISE_TESTS, f"only {len(seen)} exercise tests; the curriculum needs at least 30"


@pytest.mark.timeout(660)
def test_every_exercise_check_fails_on_the_stubs() -> None:
    result = run_exercise_tests(solutions=False)
    passed_on_stubs = [test for test, outcome in outcomes(result.stdout).items() if outcome == "PASSED"]
    assert outcomes(result.stdout), result.stdout[-4000:]
    assert not passed_on_stubs, f"these checks pass on untouched stubs, so they check nothing: {passed_on_stubs}"


def test_the_stubs_are_made_from_the_current_solutions() -> None:
    command = [sys.executable, str(REPO / "scripts" / "make_student_copy.py"), "--check"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


def test_every_solution_has_a_stub_and_tests() -> None:
    solutions = sorted(p.stem for p in (REPO / "notebooks" / "instructor" / "solutions").glob("*.py"))
    stubs = sorted(p.stem for p in (REPO / "notebooks" / "exercises").glob("*.py"))
    tested = sorted(p.stem.removeprefix("test_") for p in EXERCISE_TESTS.glob("test_*.py"))
    assert solutions == stubs == tested
