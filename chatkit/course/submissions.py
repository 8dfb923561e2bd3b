"""Read a folder of submissions as an LMS exports it: one folder or one zip per student.

Only the exercise files are taken from a submission (notebooks/exercises/NAME.py, or NAME.py anywhere in it):
everything else a student hands in (a changed check, a conftest.py, a solutions folder) is left behind.
"""

import zipfile
from dataclasses import dataclass
from pathlib import Path

from chatkit.course.home import CourseError

MAX_ZIP_BYTES = 50_000_000  # what a submission may unpack to: exercise files are a few kilobytes


@dataclass(frozen=True)
class Submission:
    """One student's hand-in: a name for the gradebook and the folder (or zip) it came in."""

    student: str
    path: Path


def find_submissions(folder: Path) -> list[Submission]:
    """Return every submission in `folder`: its subfolders and zip files, named after them."""
    if not folder.is_dir():
        raise CourseError(f"{folder} is not a folder of submissions")
    found = [
        Submission(path.stem if path.suffix == ".zip" else path.name, path)
        for path in sorted(folder.iterdir())
        if (path.is_dir() and not path.name.startswith(".")) or path.suffix == ".zip"
    ]
    if not found:
        raise CourseError(f"no submissions in {folder}: expected one folder or zip file per student")
    return found


def unpack(submission: Submission, into: Path) -> Path:
    """Return a folder with the submission's files: the folder itself, or the zip unpacked into `into`."""
    if submission.path.is_dir():
        return submission.path
    with zipfile.ZipFile(submission.path) as archive:
        size = sum(member.file_size for member in archive.infolist())
        if size > MAX_ZIP_BYTES:
            raise CourseError(f"{submission.path.name} unpacks to {size} bytes, more than {MAX_ZIP_BYTES}")
        archive.extractall(into)  # zipfile drops absolute paths and '..', so nothing lands outside `into`
    return into


def exercise_files(folder: Path, exercises: list[str]) -> dict[str, Path]:
    """Return {exercise: the student's file} for each exercise handed in; notebooks/exercises/ wins over elsewhere."""
    chosen: dict[str, Path] = {}
    for name in exercises:
        candidates = [path for path in folder.rglob(f"{name}.py") if path.is_file() and not path.is_symlink()]
        candidates.sort(key=lambda path: (path.parent.name != "exercises", len(path.parts)))
        if candidates:
            chosen[name] = candidates[0]
    return chosen
