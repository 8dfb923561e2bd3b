"""Load an exercise module from a course copy, and run its checks there in a fresh Python.

Both read the copy the student works in (home.py), never the installed package. Which file an exercise is loaded
from is decided by whoever starts the checks, before any exercise runs: the student's file, or with pytest's
`--solutions` (the kit's repository only) the instructor's. Nothing inside an exercise file can change that choice.
"""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from chatkit.course.home import CourseError, Home

CHECK_SECONDS = 120


def load_from(folder: Path, name: str) -> ModuleType:
    """Import the exercise module `name` afresh from `folder` (so edits are seen without a kernel restart)."""
    path = folder / f"{name}.py"
    if not path.is_file():
        raise CourseError(f"no exercise file {name}.py in {folder}: is the name right?")
    spec = importlib.util.spec_from_file_location(f"chatkit_exercise_{name}", path)
    if spec is None or spec.loader is None:
        raise CourseError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_checks(home: Home, name: str) -> bool:
    """Run the checks of one exercise in `home` in a fresh Python, print a plain summary, return whether all passed."""
    test_file = home.checks / f"test_{name}.py"
    if not test_file.is_file():
        raise CourseError(f"no checks for {name} in {home.checks}: is the name right?")
    command = [sys.executable, "-m", "pytest", str(test_file), "-q", "--no-header", "--tb=no", "-rfE"]
    command += ["-p", "no:cacheprovider", "--color=no"]  # kernels set FORCE_COLOR; colour codes hide the lines
    environment = {**os.environ, "COLUMNS": "200"}  # long enough that pytest does not cut the reasons short
    try:
        result = subprocess.run(
            command, cwd=home.root, capture_output=True, text=True, timeout=CHECK_SECONDS, env=environment
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
