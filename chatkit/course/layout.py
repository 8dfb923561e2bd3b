"""Which files of the kit a student copy holds (standard library only: setup.py reads it while building a wheel)."""

from pathlib import Path

# Relative to the kit's repository, and to chatkit/course/material/ inside an installed wheel.
STUDENT_FILES = (
    "notebooks/*.ipynb",
    "notebooks/exercises/*.py",
    "notebooks/data/*",
    "tests/__init__.py",
    "tests/exercises/*.py",
)
HIDDEN_CHECKS = "notebooks/instructor/checks"  # test_*_hidden.py: added to a copy only when grading


def student_files(root: Path) -> list[Path]:
    """Return the student files under `root`, relative to it, in a stable order."""
    found = {path.relative_to(root) for pattern in STUDENT_FILES for path in root.glob(pattern) if path.is_file()}
    return sorted(found)
