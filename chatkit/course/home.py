"""Find the course copy a student works in: the folder that carries chatkit-course.toml, or CHATKIT_HOME.

A copy holds notebooks/, notebooks/exercises/ (the files the student edits), notebooks/data/ and tests/exercises/
(the checks). The kit's own repository is a copy too, the instructor's: only it has notebooks/instructor/solutions/.
The installed chatkit package is never searched, so on a hub where the kit is installed once every student's check
reads that student's files.
"""

import os
from dataclasses import dataclass
from pathlib import Path

MARKER = "chatkit-course.toml"
HOME_VARIABLE = "CHATKIT_HOME"


class CourseError(Exception):
    """A course copy, an exercise or a submission is not where or what it should be."""


@dataclass(frozen=True)
class Home:
    """A course copy: where its exercises, checks and data are."""

    root: Path

    @property
    def exercises(self) -> Path:
        return self.root / "notebooks" / "exercises"

    @property
    def checks(self) -> Path:
        return self.root / "tests" / "exercises"

    @property
    def data(self) -> Path:
        return self.root / "notebooks" / "data"

    @property
    def solutions(self) -> Path:
        """The instructor's solutions: present in the kit's repository only, never in a student copy."""
        return self.root / "notebooks" / "instructor" / "solutions"


def find_home(start: Path | None = None) -> Home:
    """Return the copy that holds `start` (default: the working folder), or the one CHATKIT_HOME names."""
    named = os.environ.get(HOME_VARIABLE)
    if named:
        return home_at(Path(named).expanduser())
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / MARKER).is_file():
            return Home(folder)
    raise CourseError(
        f"no {MARKER} in {here} or any folder above it: open the notebook from your course copy "
        f"(chatkit student-copy --out DIR makes one), or set {HOME_VARIABLE} to the copy's folder"
    )


def home_at(root: Path) -> Home:
    """Return the copy at `root`, which must carry the marker file."""
    if not (root / MARKER).is_file():
        raise CourseError(f"{HOME_VARIABLE} is {root}, but there is no {MARKER} there: is it a course copy?")
    return Home(root.resolve())
