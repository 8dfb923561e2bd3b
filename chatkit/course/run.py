"""Run checks in a fresh course copy, in a process of its own with a time limit, and collect their outcomes.

The copy is made new for each submission: student files, no solutions; the instructor's hidden checks are added
only here. The checks run in their own process group, so a time limit ends them and any process they started.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from chatkit.course.home import CourseError
from chatkit.course.marks import HIDDEN_SUFFIX, Check, read_checks
from chatkit.course.student_copy import write_copy

# Variables that could point the checks elsewhere: the copy and the choice of files are the grader's to make.
DROPPED_VARIABLES = ("CHATKIT_HOME", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")


def prepare_copy(target: Path, files: dict[str, Path], hidden: Path | None) -> Path:
    """Write a fresh student copy into `target`, put the student's files in it, and add the hidden checks."""
    write_copy(target)
    for name, path in files.items():
        shutil.copyfile(path, target / "notebooks" / "exercises" / f"{name}.py")
    for check in sorted(hidden.glob(f"test_*{HIDDEN_SUFFIX}.py")) if hidden else []:
        shutil.copyfile(check, target / "tests" / "exercises" / check.name)
    return target


def test_files(copy: Path, exercises: list[str]) -> list[str]:
    """Return the check files of these exercises in the copy, visible and hidden, relative to it."""
    folder = copy / "tests" / "exercises"
    return [
        str(path.relative_to(copy))
        for name in exercises
        for path in sorted([*folder.glob(f"test_{name}.py"), *folder.glob(f"test_{name}{HIDDEN_SUFFIX}.py")])
    ]


@dataclass(frozen=True)
class Run:
    """How a pytest run ended: within its time limit or not, its exit code, how long it took."""

    finished: bool
    exit_code: int
    seconds: float


def run_pytest(copy: Path, arguments: list[str], outcomes: Path, seconds: float) -> Run:
    """Run pytest in the copy with the outcomes plugin, stopping it (and all it started) after `seconds`."""
    command = [sys.executable, "-m", "pytest", *arguments, "-q", "--no-header", "--tb=short", "--color=no"]
    command += ["-p", "no:cacheprovider", "-p", "chatkit.course.outcomes", "--outcomes", str(outcomes)]
    environment = {key: value for key, value in os.environ.items() if key not in DROPPED_VARIABLES}
    started = time.monotonic()
    with (outcomes.parent / "pytest.log").open("w") as log:
        process = subprocess.Popen(
            command, cwd=copy, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the checks, and any referee or server they started
            process.wait(timeout=30)
            return Run(False, process.returncode, time.monotonic() - started)
    return Run(True, process.returncode, time.monotonic() - started)


def collect_checks(scratch: Path, exercises: list[str] | None, hidden: Path | None, seconds: float) -> list[Check]:
    """Return every check of a fresh copy with the hidden ones added (no student code runs), for these exercises."""
    copy = prepare_copy(scratch / "reference", {}, hidden)
    names = exercises or sorted(path.stem for path in (copy / "notebooks" / "exercises").glob("*.py"))
    outcomes = scratch / "reference.jsonl"
    run_pytest(copy, [*test_files(copy, names), "--collect-only"], outcomes, seconds)
    checks = read_checks(outcomes)
    unknown = sorted(set(names) - {check.exercise for check in checks})
    if unknown:
        raise CourseError(
            f"no checks for {', '.join(unknown)}: is the name right? (see {copy / 'tests' / 'exercises'})"
        )
    return checks
